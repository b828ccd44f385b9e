using System.Text.Json;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Samples.Quickstart;

/// <summary>
/// A person in the loop: with the setting requiring approval, one more issue is dispatched, waits (its change proposed
/// and verified, nothing committed), and is then approved, which commits it.
/// </summary>
internal static class ApprovalStep
{
    public const string Approver = "quickstart-operator";

    /// <summary>Returns whether the issue was applied.</summary>
    public static async Task<bool> RunAsync(EnhanceApplication app, IEnhanceSettingStore settings, TextWriter output, int batch, CancellationToken cancellationToken)
    {
        var draft = new IssueDraft
        {
            BlueprintId = SampleIssues.Target,
            Title = $"approval (batch {batch})",
            Intent = $"Cap an order at {batch * 10 + 40} items (a person approves it).",
            Bump = VersionBump.Minor,
            Patch = JsonDocument.Parse($$"""[{ "op": "add", "path": "/metadata/max_items", "value": {{batch * 10 + 40}} }]""").RootElement.Clone(),
            Labels = ["quickstart"],
            IdempotencyKey = $"quickstart-{batch}-approval",
        };

        // Approval is a setting: every change dispatched while it is on waits for a person. The quickstart turns it on for
        // this one issue and back off afterwards.
        var setting = await settings.GetAsync(EnhanceSettingId.Default, cancellationToken);
        await settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = true }, cancellationToken);
        DispatchOutcome? parked;
        IssueId id;
        try
        {
            id = (await app.HandleAsync(draft, cancellationToken)).Issue.Id;
            parked = await app.TickAsync(cancellationToken);
        }
        finally
        {
            await settings.PutAsync(EnhanceSettingId.Default, setting with { RequireApproval = false }, cancellationToken);
        }

        await output.WriteLineAsync("A person in the loop (the setting requires approval for this issue):");
        if (parked is not { Result: DispatchResult.AwaitingApproval })
        {
            await output.WriteLineAsync($"  Issue {Short(id)} did not wait for approval: {parked?.Result.ToString() ?? "nothing was claimable"} {parked?.Reason}");
            return false;
        }

        await output.WriteLineAsync($"  Issue {Short(id)} waits for approval: it would commit {parked.NewVersion?.Short}; nothing is committed yet.");
        var outcome = await app.ApproveAsync(id, Approver, "checked by a person", cancellationToken);
        await output.WriteLineAsync(outcome.Result == DispatchResult.Applied
            ? $"  Approved by {Approver}: applied as {outcome.NewVersion?.Short}."
            : $"  Approved by {Approver}, but {outcome.Result.ToString().ToLowerInvariant()}: {outcome.Reason}");
        return outcome.Result == DispatchResult.Applied;
    }

    private static string Short(IssueId id) => id.Value.Length > 8 ? id.Value[..8] : id.Value;
}
