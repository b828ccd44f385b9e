using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Samples.Quickstart;

/// <summary>The Blueprint series the quickstart changes, and one batch of issues that shows every outcome.</summary>
internal static class SampleIssues
{
    public static BlueprintId Target { get; } = BlueprintId.Parse("orders");

    /// <summary>The first version of the series: one Lua step that prices an order.</summary>
    public static Blueprint FirstVersion { get; } = Blueprint.Parse("""
        {
          "id": "orders",
          "metadata": { "version_label": "1.0.0", "owner": "checkout-team" },
          "agents": [
            { "name": "price", "kind": "lua", "spec": { "source": "return { ok = true, value = #_CTX.items * 10 }" } }
          ],
          "flow": { "kind": "seq", "children": [
            { "kind": "step", "ref": "price", "in": { "op": "path", "at": "$" }, "out": "$.price" }
          ] }
        }
        """);

    /// <summary>The idempotency key of a batch's first issue: a batch whose key is stored has been ingested.</summary>
    public static string BatchKey(int batch) => Key(batch, "handover");

    /// <summary>
    /// Batch <paramref name="batch"/>: two issues the verifiers accept, one that changes nothing (the <c>noop</c>
    /// axis denies it), one whose new step names no agent (the <c>agent-ref</c> axis denies it) and one whose patch
    /// cannot be applied. Each carries an idempotency key, so ingesting a batch twice creates nothing new.
    /// </summary>
    public static IReadOnlyList<SampleIssue> Batch(int batch) =>
    [
        new("applied", Draft(batch, "handover", $"Hand the orders flow over to team-{batch}.", VersionBump.Minor, $$"""
            [{ "op": "replace", "path": "/metadata/owner", "value": "team-{{batch}}" }]
            """)),
        new("applied", Draft(batch, "audit-step", $"Record an audit trail after pricing (audit-{batch}).", VersionBump.Patch, $$"""
            [
              { "op": "add", "path": "/agents/-",
                "value": { "name": "audit-{{batch}}", "kind": "lua", "spec": { "source": "return { ok = true, value = _CTX.price }" } } },
              { "op": "add", "path": "/flow/children/-",
                "value": { "kind": "step", "ref": "audit-{{batch}}", "in": { "op": "path", "at": "$" }, "out": "$.audit" } }
            ]
            """)),
        new("rejected by noop", Draft(batch, "noop", "Confirm the series id (changes nothing).", VersionBump.Patch, """
            [{ "op": "test", "path": "/id", "value": "orders" }]
            """)),
        new("rejected by agent-ref", Draft(batch, "missing-agent", "Ship the order after pricing.", VersionBump.Patch, $$"""
            [{ "op": "add", "path": "/flow/children/-",
               "value": { "kind": "step", "ref": "ship-{{batch}}", "in": { "op": "path", "at": "$" }, "out": "$.shipment" } }]
            """)),
        new("invalid patch", Draft(batch, "invalid-patch", "Drop a setting that does not exist.", VersionBump.Patch, """
            [{ "op": "remove", "path": "/metadata/discount_policy" }]
            """)),
    ];

    private static IssueDraft Draft(int batch, string name, string intent, VersionBump bump, string patch) => new()
    {
        BlueprintId = Target,
        Title = $"{name} (batch {batch})",
        Intent = intent,
        Rationale = intent,
        Bump = bump,
        Patch = JsonDocument.Parse(patch).RootElement.Clone(),
        Labels = ["quickstart"],
        IdempotencyKey = Key(batch, name),
    };

    private static string Key(int batch, string name) => $"quickstart-{batch}-{name}";
}
