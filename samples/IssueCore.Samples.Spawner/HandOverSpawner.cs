using System.Text.Json;
using System.Text.RegularExpressions;
using IssueCore.Enhance.Spawning;

namespace IssueCore.Samples.Spawner;

/// <summary>
/// A deterministic patch spawner: an intent that says "hand … over to &lt;team&gt;" becomes a <c>replace</c> of
/// <c>/metadata/owner</c>. Anything else cannot be proposed. A language model (the IssueCore.AI package) plugs into the
/// same <see cref="IPatchSpawner"/> port.
/// </summary>
internal sealed partial class HandOverSpawner : IPatchSpawner
{
    public ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
    {
        var match = HandOver().Match(request.Title + "\n" + request.Intent);
        if (!match.Success)
        {
            return ValueTask.FromResult(PatchProposal.CannotPropose("the intent names no team to hand the series over to"));
        }

        var team = match.Groups["team"].Value;
        var current = request.Head.Root.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("owner", out var owner) ? owner.GetString() : null;
        if (current == team)
        {
            return ValueTask.FromResult(PatchProposal.CannotPropose($"'{request.BlueprintId}' is already owned by {team}"));
        }

        using var ops = JsonDocument.Parse(JsonSerializer.Serialize(new[] { new { op = current is null ? "add" : "replace", path = "/metadata/owner", value = team } }));
        return ValueTask.FromResult(PatchProposal.Propose(ops.RootElement, $"hand '{request.BlueprintId}' over from {current ?? "nobody"} to {team}, as the issue asks")
            with { Report = new PatchSpawnReport { ModelId = "hand-over-rules-1", Prompt = request.Intent } });
    }

    [GeneratedRegex(@"hand\b.*\bover to (?<team>[a-z0-9][a-z0-9-]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HandOver();
}
