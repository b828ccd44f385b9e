using System.Text;
using IssueCore.Engine.Tests.Enhance;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using IssueCore.Issues;
using IssueCore.Json;
using IssueCore.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Ingestion;

public sealed class DeepPatchTests
{
    /// <summary>
    /// A request whose patch nests exactly <paramref name="patchDepth"/> levels: the patch array, one
    /// <c>add</c> operation, and its value nested the rest, added at <c>/metadata/deep</c> so that the
    /// patched Blueprint nests <paramref name="patchDepth"/> levels too.
    /// </summary>
    private static string RequestWithPatchDepth(int patchDepth, string eventId)
    {
        var valueDepth = patchDepth - 2;
        var value = new StringBuilder();
        for (var i = 1; i < valueDepth; i++)
        {
            value.Append("{\"d\":");
        }

        value.Append("{\"leaf\":true}").Append('}', valueDepth - 1);
        return $$"""
            {"title":"Deep metadata","target_repo":"orders","priority":"medium","source_type":"instruction","source_id":"deep-tests","activity_definition_id":"ad-1",
             "triggering_event_id":"{{eventId}}",
             "patch":[{"op":"add","path":"/metadata/deep","value":{{value}}}]}
            """;
    }

    [Fact]
    public async Task A_patch_at_the_document_depth_limit_is_accepted_and_dispatched_to_a_final_outcome()
    {
        // With default options: the scripts receive the whole ctx, an engine record that embeds the patch two levels
        // down, and the executor reads engine records at JsonLimits.MaxRecordDepth.
        await using var harness = await EnhanceHarness.CreateAsync(configure: s => s.AddIssueCoreIngestion());
        var ingestion = harness.Provider.GetRequiredService<IIssueIngestionService>();

        var result = await ingestion.IngestJsonAsync(Encoding.UTF8.GetBytes(RequestWithPatchDepth(JsonLimits.MaxDocumentDepth, "deep-ok")));
        var outcomes = await harness.DrainAsync([result.IssueId]);

        var issue = await harness.Issues.GetAsync(result.IssueId);
        Assert.True(issue.Status.State == IssueState.Applied, $"{issue.Status.State}: {issue.LastError}");
        Assert.Equal(1, issue.Attempts);
        Assert.Equal(DispatchResult.Applied, Assert.Single(outcomes).Result);
        Assert.NotNull(await harness.Log.GetAsync(result.IssueId));
        var head = await harness.Blueprints.ReadHeadAsync(EnhanceHarness.Target);
        Assert.Contains("\"leaf\":true", head.Value.CanonicalJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_one_level_deeper_than_the_limit_is_refused_at_ingestion()
    {
        await using var harness = await EnhanceHarness.CreateAsync(configure: s => s.AddIssueCoreIngestion());
        var ingestion = harness.Provider.GetRequiredService<IIssueIngestionService>();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => ingestion.IngestJsonAsync(
            Encoding.UTF8.GetBytes(RequestWithPatchDepth(JsonLimits.MaxDocumentDepth + 1, "deep-refused"))));

        Assert.Equal("$.patch", ex.Path);
        Assert.Null(await harness.Issues.FindByIdempotencyKeyAsync("deep-refused"));
    }

    [Fact]
    public async Task A_copy_chain_with_pointers_past_the_segment_limit_is_refused_at_ingestion_without_crashing_the_process()
    {
        // Each copy puts the whole Blueprint inside its own innermost object: the pointers double in
        // length and so would the depth. Run in a child process: on failure it dies of a stack overflow.
        var ops = new StringBuilder("[{\"op\":\"add\",\"path\":\"/metadata/a\",\"value\":{}}");
        var pointer = "/metadata/a";
        for (var i = 0; i < 14; i++)
        {
            var target = pointer + "/a";
            ops.Append(",{\"op\":\"copy\",\"from\":\"\",\"path\":\"").Append(target).Append("\"}");
            pointer = target + pointer;
        }

        ops.Append(']');
        var body = $$"""
            {"title":"Copy chain","target_repo":"orders","priority":"medium","source_type":"instruction","source_id":"deep-tests","activity_definition_id":"ad-1",
             "triggering_event_id":"copy-chain","patch":{{ops}}}
            """;
        Assert.True(body.Length > 105_000, "the probe's request was 105 KB");

        var (exitCode, output, error) = await JsonHelperProcess.RunAsync("ingest", body);

        Assert.True(exitCode == 0, $"the helper ended with exit code {exitCode}: {error}");
        Assert.StartsWith("refused $.patch[", output, StringComparison.Ordinal);
    }
}
