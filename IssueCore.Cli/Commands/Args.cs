using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Cli.Stores;
using IssueCore.Council;
using IssueCore.Issues;

namespace IssueCore.Cli.Commands;

/// <summary>Reads ids and versions given on the command line; a malformed one is a usage error that names the argument.</summary>
internal static class Args
{
    /// <summary>How far back <see cref="ResolveVersionAsync"/> looks for a version given by a prefix.</summary>
    public const int PrefixHistoryLimit = 10_000;

    public static BlueprintId Blueprint(string text, string argument)
        => BlueprintId.TryParse(text, null, out var id) ? id : throw new CliException(ExitCodes.Usage, $"{argument}: '{text}' is not a Blueprint id.");

    public static IssueId Issue(string text, string argument)
        => IssueId.TryParse(text, null, out var id) ? id : throw new CliException(ExitCodes.Usage, $"{argument}: '{text}' is not an issue id.");

    public static CouncilRunId Run(string text, string argument)
        => CouncilRunId.TryParse(text, null, out var id) ? id : throw new CliException(ExitCodes.Usage, $"{argument}: '{text}' is not a run id.");

    /// <summary>A full version, or a prefix of at least 4 hex digits that names one version in the series' history.</summary>
    public static async Task<BlueprintVersion> ResolveVersionAsync(StoreSession store, BlueprintId id, string text, string argument, CancellationToken cancellationToken)
    {
        if (BlueprintVersion.TryParse(text, null, out var full))
        {
            return full;
        }

        if (text.Length < 4 || !text.All(char.IsAsciiHexDigitLower))
        {
            throw new CliException(ExitCodes.Usage, $"{argument}: '{text}' is not a version (64 lower-case hex digits, or a prefix of at least 4).");
        }

        var matches = (await store.Blueprints.HistoryAsync(id, PrefixHistoryLimit, cancellationToken).ConfigureAwait(false))
            .Where(c => c.Version.Value.StartsWith(text, StringComparison.Ordinal))
            .Select(c => c.Version)
            .Distinct()
            .Take(2)
            .ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.NotFound, $"{argument}: no version of '{id}' starts with '{text}'."),
            _ => throw new CliException(ExitCodes.Usage, $"{argument}: '{text}' names more than one version of '{id}'; give more digits."),
        };
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    public static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => value.ToString().ToLowerInvariant();
}
