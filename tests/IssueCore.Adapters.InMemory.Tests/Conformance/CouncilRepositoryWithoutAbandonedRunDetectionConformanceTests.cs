using System.Text.Json;
using IssueCore.Council;
using IssueCore.Testing;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

/// <summary>
/// The council suite against a repository written before <see cref="ICouncilRepository.MarkAbandonedRunsAsync"/>
/// and <see cref="ICouncilRepository.TouchRunAsync"/> existed: every fact must pass, the ones that need those
/// members by being skipped rather than failing on their <see cref="NotSupportedException"/>.
/// </summary>
public sealed class CouncilRepositoryWithoutAbandonedRunDetectionConformanceTests : CouncilRepositoryConformanceTests
{
    [Fact]
    public void The_kit_sees_that_the_optional_members_are_missing()
        => Assert.False(SupportsAbandonedRunDetection);

    [Fact]
    public async Task The_missing_members_throw_NotSupported_so_the_skipped_facts_would_otherwise_fail()
    {
        await Store.CreateRunAsync(Run("r1"));

        await Assert.ThrowsAsync<NotSupportedException>(() => Store.MarkAbandonedRunsAsync(new CouncilRunInterruptFilter { AbandonedOwners = ["host-a"] }));
        await Assert.ThrowsAsync<NotSupportedException>(() => Store.TouchRunAsync(CouncilRunId.Parse("r1"), "host-a"));
    }

    [Fact]
    public async Task The_facts_that_need_the_missing_members_skip_with_their_reason()
    {
        // The same fact methods xunit runs (and reports skipped) above, called directly: each skips instead of failing.
        Func<Task>[] facts =
        [
            MarkAbandonedRuns_leaves_a_running_run_with_activity_since_the_cutoff_alone,
            MarkAbandonedRuns_marks_a_running_run_without_activity_since_the_cutoff,
            MarkAbandonedRuns_marks_the_runs_of_an_abandoned_owner_whatever_their_activity,
            MarkAbandonedRuns_with_an_empty_filter_marks_nothing,
            Appending_an_event_counts_as_activity_for_MarkAbandonedRuns,
            TouchRun_records_the_owner_and_activity_only_while_running,
            Moving_a_run_back_to_running_clears_its_owner_so_the_old_owner_cannot_get_it_marked,
        ];
        foreach (var fact in facts)
        {
            var skipped = await Assert.ThrowsAsync<SkipException>(fact);
            Assert.Contains("MarkAbandonedRunsAsync", skipped.Message, StringComparison.Ordinal);
        }

        await Pre_cancelled_token_is_honoured();
    }

    protected override Task<ICouncilRepository> CreateStoreAsync(TimeProvider timeProvider)
        => Task.FromResult<ICouncilRepository>(new RequiredMembersOnly(new InMemoryCouncilRepository(timeProvider)));

    /// <summary>A minimal adapter: it forwards the required members and leaves the optional ones to their defaults.</summary>
    private sealed class RequiredMembersOnly(ICouncilRepository inner) : ICouncilRepository
    {
        public Task CreateRunAsync(CouncilRun run, CancellationToken cancellationToken = default)
            => inner.CreateRunAsync(run, cancellationToken);

        public Task UpdateRunStatusAsync(CouncilRunId runId, CouncilRunStatus status, CancellationToken cancellationToken = default)
            => inner.UpdateRunStatusAsync(runId, status, cancellationToken);

        public Task UpdateGraphAsync(CouncilRunId runId, JsonElement graph, CancellationToken cancellationToken = default)
            => inner.UpdateGraphAsync(runId, graph, cancellationToken);

        public Task<CouncilRunEvent> AppendEventAsync(CouncilRunEventDraft draft, CancellationToken cancellationToken = default)
            => inner.AppendEventAsync(draft, cancellationToken);

        public Task<CouncilRun?> GetRunAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
            => inner.GetRunAsync(runId, cancellationToken);

        public IAsyncEnumerable<CouncilRun> ListRunsAsync(CouncilRunStatus? statusFilter = null, CancellationToken cancellationToken = default)
            => inner.ListRunsAsync(statusFilter, cancellationToken);

        public IAsyncEnumerable<CouncilRunEvent> ListEventsAsync(CouncilRunId runId, CancellationToken cancellationToken = default)
            => inner.ListEventsAsync(runId, cancellationToken);

        public Task<int> MarkInterruptedRunsAsync(CancellationToken cancellationToken = default)
            => inner.MarkInterruptedRunsAsync(cancellationToken);

        public Task<int> TruncateEventsAfterWaveAsync(CouncilRunId runId, int wave, CancellationToken cancellationToken = default)
            => inner.TruncateEventsAfterWaveAsync(runId, wave, cancellationToken);
    }
}
