using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>The whole-pipeline invariants after a drained queue, checked through the ports.</summary>
internal static class PipelineInvariants
{
    /// <summary>
    /// Asserts: every issue terminal; each applied issue exactly once in its series' history (by the commit
    /// metadata's issue id) and exactly once in the log, with the same version as its status; each rejected issue
    /// once in the log and never in a history; a failed one in neither; every series one unbroken chain from its seed
    /// to its head; no run left <c>Running</c>. Returns the counts for the summary line.
    /// </summary>
    public static async Task<InvariantReport> CheckAsync(PipelineHarness h, IReadOnlyList<IssueId> ids, IReadOnlyList<BlueprintId> series)
    {
        var commits = new Dictionary<IssueId, List<BlueprintCommit>>();
        var versions = 0;
        foreach (var id in series)
        {
            var history = await h.Blueprints.HistoryAsync(id, 100_000);
            var head = (await h.Blueprints.ReadHeadAsync(id)).Value.Version;
            Assert.Equal(head, history[0].Version);
            for (var i = 0; i < history.Count; i++)
            {
                var commit = history[i];
                if (i == history.Count - 1)
                {
                    Assert.Empty(commit.Parents);
                    Assert.Null(commit.Metadata.IssueId);
                }
                else
                {
                    // One chain: every version's only parent is the version before it.
                    Assert.Equal([history[i + 1].Version], commit.Parents);
                    var issueId = Assert.NotNull(commit.Metadata.IssueId);
                    commits.TryAdd(issueId, []);
                    commits[issueId].Add(commit);
                }
            }

            versions += history.Count;
        }

        var log = new Dictionary<IssueId, List<EnhanceLogEntry>>();
        await foreach (var entry in h.Log.ListAllAsync())
        {
            log.TryAdd(entry.IssueId, []);
            log[entry.IssueId].Add(entry);
        }

        int applied = 0, rejected = 0, failed = 0, lost = 0;
        var duplicated = commits.Values.Sum(c => Math.Max(0, c.Count - 1)) + log.Values.Sum(e => Math.Max(0, e.Count - 1));
        var known = ids.ToHashSet();
        Assert.All(commits.Keys, id => Assert.Contains(id, known));
        Assert.All(log.Keys, id => Assert.Contains(id, known));
        foreach (var id in ids)
        {
            var issue = await h.Issues.GetAsync(id);
            var issueCommits = commits.GetValueOrDefault(id) ?? [];
            var entries = log.GetValueOrDefault(id) ?? [];
            switch (issue.Status.State)
            {
                case IssueState.Applied:
                    applied++;
                    var commit = Assert.Single(issueCommits);
                    var entry = Assert.Single(entries);
                    Assert.Equal(EnhanceOutcome.Applied, entry.Outcome);
                    Assert.Equal(issue.Status.NewVersion, commit.Version);
                    Assert.Equal(issue.Status.NewVersion, entry.NewVersion);
                    Assert.Equal(issue.BlueprintId, commit.BlueprintId);
                    break;
                case IssueState.Rejected:
                    rejected++;
                    Assert.Empty(issueCommits);
                    Assert.Equal(EnhanceOutcome.Rejected, Assert.Single(entries).Outcome);
                    break;
                case IssueState.Failed:
                    failed++;
                    Assert.Empty(issueCommits);
                    Assert.Empty(entries);
                    break;
                default:
                    lost++;
                    break;
            }
        }

        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(versions - series.Count, applied);
        Assert.Empty(await h.RunsAsync(CouncilRunStatus.Running));
        return new InvariantReport(ids.Count, applied, rejected, failed, lost, duplicated);
    }
}
