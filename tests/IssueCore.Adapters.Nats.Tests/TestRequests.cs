using System.Text;
using System.Text.Json;

namespace IssueCore.Adapters.Nats.Tests;

/// <summary>Ingestion request bodies in the wire schema.</summary>
internal static class TestRequests
{
    public static byte[] Json(string triggeringEventId, string targetRepo = "activity-core", string title = "Rescan the SBOM")
        => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["title"] = title,
            ["description"] = "The scanner output is stale.",
            ["target_repo"] = targetRepo,
            ["priority"] = "high",
            ["labels"] = new[] { "sbom", "automated" },
            ["due_in_days"] = 7,
            ["source_type"] = "rule",
            ["source_id"] = "flag-stale-sbom",
            ["triggering_event_id"] = triggeringEventId,
            ["activity_definition_id"] = "ad-1",
        });

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
