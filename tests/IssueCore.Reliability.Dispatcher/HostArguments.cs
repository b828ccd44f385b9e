using System.Globalization;

namespace IssueCore.Reliability.Dispatcher;

/// <summary>The dispatcher host's <c>key=value</c> arguments.</summary>
internal sealed record HostArguments(string Store, string ConnectionString, string? Schema, string Name, TimeSpan Lease, TimeSpan Poll, int MaxAttempts)
{
    /// <summary>The capability-token key every process of a test shares (32 bytes, base64).</summary>
    public static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public static HostArguments? Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return null;
            }

            map[arg[..eq]] = arg[(eq + 1)..];
        }

        if (!map.TryGetValue("cs", out var cs) || !map.TryGetValue("name", out var name))
        {
            return null;
        }

        var store = map.GetValueOrDefault("store", "sqlite");
        return store is "sqlite" or "postgres"
            ? new HostArguments(
                store,
                cs,
                map.GetValueOrDefault("schema"),
                name,
                TimeSpan.FromMilliseconds(Number(map, "lease-ms", 3000)),
                TimeSpan.FromMilliseconds(Number(map, "poll-ms", 100)),
                Number(map, "max-attempts", 10))
            : null;
    }

    private static int Number(Dictionary<string, string> map, string key, int fallback)
        => map.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
