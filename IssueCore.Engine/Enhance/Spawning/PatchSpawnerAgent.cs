using System.Globalization;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Issues;
using IssueCore.Json;
using IssueCore.Scripting;
using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance.Spawning;

/// <summary>
/// The <c>patch-spawner</c> step once a host registered an <see cref="IPatchSpawner"/>. An issue that carries a patch
/// keeps today's path: the built-in <c>enhance.patch-spawner</c> script runs exactly as before. An issue without one
/// is handed to the setting's spawner; its proposal leaves as the same <c>{ok, ops, rationale, bump}</c> record the
/// script writes (so the applier, the verifier axes, the committer and the host's re-application check see nothing
/// new), plus a <c>spawner</c> member (model, prompt, token usage) that the run records with the step's output.
/// </summary>
internal sealed class PatchSpawnerAgent : IAgent
{
    /// <summary>The longest prompt recorded in the run's events; a longer one is cut (the spawner bounds its own too).</summary>
    internal const int MaxRecordedPromptChars = 32 * 1024;

    /// <summary>The most validation errors recorded, and the longest each may be.</summary>
    internal const int MaxRecordedErrors = 16;

    internal const int MaxRecordedErrorChars = 2048;

    private readonly IScriptExecutor _executor;
    private readonly PatchSpawnerSelector _selector;
    private readonly EnhanceSettingId _settingId;
    private readonly ILogger _logger;

    public PatchSpawnerAgent(IScriptExecutor executor, PatchSpawnerSelector selector, EnhanceSettingId settingId, ILogger logger)
    {
        _executor = executor;
        _selector = selector;
        _settingId = settingId;
        _logger = logger;
    }

    public async ValueTask<JsonNode?> InvokeAsync(AgentInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.Input is not JsonObject ctx || ctx["issue"] is not JsonObject issue)
        {
            throw new ValidationException("$.issue", "The patch-spawner step takes the whole ctx ({issue, prev_bp, ...}) as its input.");
        }

        if (issue["patch"] is not null)
        {
            // A patch keeps today's path, byte for byte.
            return await _executor.ExecuteAsync(
                new ScriptInvocation { Name = invocation.AgentName, FnId = PatchSpawnerSelector.BuiltInScript, Input = invocation.Input, Deadline = invocation.Deadline },
                cancellationToken).ConfigureAwait(false);
        }

        var intent = Text(issue, "intent") ?? string.Empty;
        var rationale = Text(issue, "rationale") ?? intent;
        var bump = Text(issue, "bump") ?? "patch";
        var issueId = Text(issue, "id") ?? string.Empty;
        var spawner = _selector.For(_settingId);
        if (spawner is null)
        {
            // Reached only when the dispatcher's early check did not run (a flow of the host's own that uses this step).
            return Refusal(PatchSpawnerSelector.NoSpawnerDetail, rationale, bump, null, null);
        }

        var name = spawner.GetType().Name;
        var request = new PatchSpawnRequest
        {
            IssueId = IssueId.Parse(issueId),
            BlueprintId = BlueprintId.Parse(Text(issue, "blueprint_id") ?? string.Empty),
            Title = Text(issue, "title") ?? string.Empty,
            Intent = intent,
            Description = Text(issue, "description"),
            Labels = issue["labels"] is JsonArray labels ? [.. labels.Select(l => l?.GetValue<string>() ?? string.Empty)] : [],
            Bump = ParseBump(bump),
            Head = Blueprint.FromNode(ctx["prev_bp"]),
            SettingId = _settingId,
            RunId = invocation.RunId,
            Deadline = invocation.Deadline,
        };

        var proposal = await spawner.ProposeAsync(request, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The patch spawner {name} returned no proposal.");
        if (!proposal.IsProposed)
        {
            SpawnerLog.CannotPropose(_logger, issueId, name, proposal.Reason!);
            return Refusal("the patch spawner cannot propose: " + proposal.Reason, rationale, bump, name, proposal.Report);
        }

        var ops = JsonNode.Parse(proposal.Operations!.Value.GetRawText());
        var problems = JsonPatch.Validate(ops);
        if (problems.Count > 0)
        {
            var described = string.Join("; ", problems.Take(MaxRecordedErrors).Select(p => p.Path + ": " + p.Message));
            SpawnerLog.InvalidProposal(_logger, issueId, name, described);
            return Refusal("the patch spawner proposed operations that are not RFC 6902: " + described, rationale, bump, name, proposal.Report);
        }

        SpawnerLog.Proposed(_logger, issueId, name, ((JsonArray)ops!).Count, proposal.Report?.Attempts ?? 1);
        return new JsonObject
        {
            ["ok"] = true,
            ["ops"] = ops,
            ["rationale"] = proposal.Rationale,
            ["bump"] = proposal.Bump is { } own ? BumpText(own) : bump,
            ["spawner"] = Record(name, proposal.Report),
        };
    }

    private static JsonObject Refusal(string reason, string rationale, string bump, string? name, PatchSpawnReport? report)
    {
        var refusal = new JsonObject
        {
            ["ok"] = false,
            ["reason"] = reason,
            ["ops"] = new JsonArray(),
            ["rationale"] = rationale,
            ["bump"] = bump,
        };
        if (name is not null)
        {
            refusal["spawner"] = Record(name, report);
        }

        return refusal;
    }

    /// <summary>The report as the run records it: bounded, and only what the spawner chose to disclose.</summary>
    private static JsonObject Record(string name, PatchSpawnReport? report)
    {
        var record = new JsonObject { ["name"] = name };
        if (report is null)
        {
            return record;
        }

        record["model_id"] = report.ModelId;
        record["prompt"] = report.Prompt is { } prompt ? Bound(prompt, MaxRecordedPromptChars) : null;
        record["attempts"] = report.Attempts;
        record["usage"] = new JsonObject
        {
            ["input_tokens"] = report.InputTokens,
            ["output_tokens"] = report.OutputTokens,
            ["total_tokens"] = report.TotalTokens,
        };
        record["errors"] = new JsonArray([.. report.Errors.Take(MaxRecordedErrors).Select(e => (JsonNode?)JsonValue.Create(Bound(e, MaxRecordedErrorChars)))]);
        return record;
    }

    private static string Bound(string text, int max)
        => text.Length <= max ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..max]}… [{text.Length - max} more characters not recorded]");

    private static string? Text(JsonObject node, string member)
        => node[member] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static VersionBump ParseBump(string bump) => bump switch
    {
        "major" => VersionBump.Major,
        "minor" => VersionBump.Minor,
        _ => VersionBump.Patch,
    };

    private static string BumpText(VersionBump bump) => bump switch
    {
        VersionBump.Major => "major",
        VersionBump.Minor => "minor",
        _ => "patch",
    };
}
