using System.Text.Json.Nodes;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class LeaseFencingTests
{
    private const string Verdicts = """[{"axis":"des","status":"pass","detail":"ok"},{"axis":"canonical","status":"pass","detail":"ok"},{"axis":"noop","status":"pass","detail":"ok"},{"axis":"agent-ref","status":"pass","detail":"ok"}]""";

    private static readonly string Bp = EnhanceHarness.TargetV1.CanonicalJson.Replace("1.0.0", "1.0.1", StringComparison.Ordinal);

    private static readonly string Applied = "{\"status\":\"applied\",\"new_hash\":\"" + IssueCore.Blueprints.Blueprint.Parse(Bp).Version.Value + "\",\"new_blueprint\":" + Bp
        + ",\"bump\":\"patch\",\"patch_hash\":\"" + new string('c', 64) + "\",\"rationale\":\"r\",\"summary\":\"s\",\"verdicts\":" + Verdicts + "}";

    private const string Rejected = """{"status":"rejected","rationale":"r","summary":"s","verdicts":""" + Verdicts + ""","reasons":["stale"]}""";

    /// <summary>
    /// The stalled-dispatcher interleaving: A's lease lapses while its flow runs (its renewals fail), B (under the same
    /// dispatcher id) claims the issue and finishes it, then A's flow returns an applied decision. A must write nothing.
    /// </summary>
    [Theory]
    [InlineData(3, IssueState.Rejected)]
    [InlineData(1, IssueState.Failed)]
    public async Task A_dispatcher_whose_lease_lapsed_and_was_claimed_again_commits_and_logs_nothing(int maxAttempts, IssueState finalState)
    {
        EnhanceHarness? h = null;
        EnhanceApplication? b = null;
        DispatchOutcome? bOutcome = null;
        var calls = 0;
        var committer = new TestAgent(async (_, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // A stalls past its lease; B, sharing A's dispatcher id, claims the issue and finishes it.
                h!.Time.Advance(h.Options.LeaseDuration + TimeSpan.FromSeconds(1));
                bOutcome = await b!.TickAsync(ct);
                return JsonNode.Parse(Applied);
            }

            return JsonNode.Parse(Rejected);
        });
        var faults = new FaultPlan { Match = n => n == "issues.renew", Always = true };
        h = await EnhanceHarness.CreateAsync(
            s => s.AddIssueCoreAgent("committer", committer),
            o =>
            {
                o.LeaseDuration = TimeSpan.FromMinutes(1);
                o.DispatchTimeout = TimeSpan.FromMinutes(10);
                o.MaxAttempts = maxAttempts;
            },
            faults: faults);
        await using (h)
        {
            faults.Arm(1);
            b = h.NewDispatcher(h.App.DispatcherId);
            var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version;
            var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

            var a = await h.App.TickAsync();

            Assert.NotNull(bOutcome);
            Assert.Equal(DispatchResult.LeaseLost, a!.Result);
            Assert.Equal(head, (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value.Version);
            Assert.Null(await h.Blueprints.FindCommitByIssueAsync(EnhanceHarness.Target, created.Issue.Id));
            var issue = await h.Issues.GetAsync(created.Issue.Id);
            Assert.Equal(finalState, issue.Status.State);
            var entry = Assert.Single(await h.LogEntriesAsync());
            Assert.Equal(finalState == IssueState.Failed ? EnhanceOutcome.Failed : EnhanceOutcome.Rejected, entry.Outcome);
        }
    }

    [Fact]
    public async Task A_renewal_that_finds_the_lease_taken_cancels_the_dispatch_before_it_writes()
    {
        EnhanceHarness? h = null;
        IssueLease? stolen = null;
        var committer = new TestAgent(async (_, ct) =>
        {
            // Another claim of the same issue (a newer token under the same owner name), then a heartbeat tick.
            var id = (await h!.Issues.ListAsync(new IssueQuery { Limit = 1 }, ct)).Items[0].Id;
            var current = await h.Issues.GetAsync(id, ct);
            await h.Issues.ReleaseUnderLeaseAsync(IssueLease.Of(current), h.Time.GetUtcNow(), "test", ct);
            stolen = IssueLease.Of((await h.Issues.ClaimNextAsync(h.App.DispatcherId, TimeSpan.FromHours(1), ct))!);
            h.Time.Advance(h.Options.LeaseDuration / 2);
            return JsonNode.Parse(Applied);
        });
        h = await EnhanceHarness.CreateAsync(s => s.AddIssueCoreAgent("committer", committer), o => o.LeaseDuration = TimeSpan.FromMinutes(1));
        await using (h)
        {
            var created = await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

            var a = await h.App.TickAsync();

            Assert.Equal(DispatchResult.LeaseLost, a!.Result);
            Assert.Null(await h.Blueprints.FindCommitByIssueAsync(EnhanceHarness.Target, created.Issue.Id));
            Assert.Empty(await h.LogEntriesAsync());
            var issue = await h.Issues.GetAsync(created.Issue.Id);
            Assert.Equal(IssueState.Running, issue.Status.State);
            Assert.Equal(stolen!.Value.Token, issue.Attempts);
        }
    }
}
