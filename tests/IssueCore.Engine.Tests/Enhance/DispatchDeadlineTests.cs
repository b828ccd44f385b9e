using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// The dispatch deadline (<see cref="EnhanceApplicationOptions.DispatchTimeout"/>) on a fake clock: a store call
/// outside the flow that never returns is cancelled when the deadline passes, with no host cancellation.
/// </summary>
public sealed class DispatchDeadlineTests
{
    private const string Patch = """[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""";

    // A guard so that a hang fails the test instead of hanging it; never a timing threshold.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    public static TheoryData<string> CallsOutsideTheFlow => new()
    {
        "log.find",
        "blueprints.commit_by_issue",
        "settings.find",
        "blueprints.head",
        "blueprints.write",
        "log.append",
    };

    [Theory]
    [MemberData(nameof(CallsOutsideTheFlow))]
    public async Task A_store_call_that_never_returns_is_cancelled_at_the_deadline_and_the_next_attempt_applies_the_issue_once(string call)
    {
        // Arrange
        var faults = new FaultPlan();
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.HangOn(call);
        var entered = faults.HangEntered.Task;

        // Act: the call hangs; nobody cancels the tick; only the clock moves on.
        var tick = h.App.TickAsync(CancellationToken.None);
        Assert.Equal(call, await entered.WaitAsync(Guard));
        Assert.False(tick.IsCompleted);
        h.Time.Advance(h.Options.DispatchTimeout);
        var first = await tick.WaitAsync(Guard);
        var released = await h.Issues.GetAsync(created.Issue.Id);
        faults.StopHanging();
        var outcomes = await h.DrainAsync([created.Issue.Id]);

        // Assert: the deadline ended the dispatch as a fault; the issue was released and applied once after it.
        Assert.NotNull(first);
        Assert.Equal(DispatchResult.Retrying, first.Result);
        Assert.Contains("deadline", first.Reason, StringComparison.Ordinal);
        Assert.Equal(0, faults.Hanging);
        Assert.Equal(IssueState.Pending, released.Status.State);
        Assert.Contains("DispatchTimeout", released.LastError, StringComparison.Ordinal);
        var final = Assert.Single(outcomes);
        Assert.Equal(DispatchResult.Applied, final.Result);
        Assert.Equal(call == "log.append", final.Recovered); // the commit was made: only the log entry was missing
        var history = await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10);
        Assert.Equal(2, history.Count);
        Assert.Equal(created.Issue.Id, history[0].Metadata.IssueId);
        var entry = Assert.Single(await h.LogEntriesAsync());
        Assert.Equal(history[0].Version, entry.NewVersion);
        Assert.Equal(IssueStatus.Applied(history[0].Version), (await h.Issues.GetAsync(created.Issue.Id)).Status);
    }

    [Fact]
    public async Task After_the_deadline_the_heartbeat_stops_so_the_lease_expires_when_even_the_release_hangs_and_another_dispatcher_finishes_the_issue()
    {
        // Arrange: the log store and the issue store's release stop answering; renewing the lease still works.
        var faults = new FaultPlan();
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.HangOn("log.append", "issues.release");
        var entered = faults.HangEntered.Task;

        // Act
        var tick = h.App.TickAsync(CancellationToken.None);
        Assert.Equal("log.append", await entered.WaitAsync(Guard));
        h.Time.Advance(h.Options.DispatchTimeout);
        var deadlinePassed = h.Time.GetUtcNow();
        await faults.EnteredAsync("issues.release").WaitAsync(Guard);
        h.Time.Advance(TimeSpan.FromMinutes(1)); // past the bounded wait for the release
        var first = await tick.WaitAsync(Guard);
        var abandoned = await h.Issues.GetAsync(created.Issue.Id);
        var other = h.NewDispatcher("dispatcher-2");

        // Still hanging: the abandoned release must not get through and hand the issue over early.
        var beforeExpiry = await other.TickAsync();
        faults.StopHanging();
        h.Time.Advance(h.Options.LeaseDuration);
        var taken = await other.TickAsync();

        // Assert: A's lease was not renewed past the deadline, so it expired and B finished the bookkeeping once.
        Assert.NotNull(first);
        Assert.Equal(DispatchResult.Retrying, first.Result);
        Assert.Contains("lease expires", first.Reason, StringComparison.Ordinal);
        Assert.Equal(IssueState.Running, abandoned.Status.State);
        Assert.True(abandoned.LeaseExpiresAt <= deadlinePassed + h.Options.LeaseDuration, $"The lease was renewed after the deadline: it expires at {abandoned.LeaseExpiresAt:O}.");
        Assert.Null(beforeExpiry);
        Assert.NotNull(taken);
        Assert.Equal(DispatchResult.Applied, taken.Result);
        Assert.True(taken.Recovered);
        Assert.Equal(2, (await h.Blueprints.HistoryAsync(EnhanceHarness.Target, 10)).Count);
        Assert.Single(await h.LogEntriesAsync());
    }

    [Fact]
    public async Task A_release_the_dispatcher_stops_waiting_for_after_the_deadline_is_cancelled_even_when_the_wait_would_end_first()
    {
        // Arrange: the log store and the release hang, on a clock where a wait started after its call's timeout would
        // fire before that timeout (timers of the same length fire latest first).
        var faults = new FaultPlan();
        await using var h = await EnhanceHarness.CreateAsync(faults: faults, time: new LastCreatedFirstTimeProvider(EnhanceHarness.Start));
        var created = await h.EnqueueAsync(Patch);
        faults.HangOn("log.append", "issues.release");
        var entered = faults.HangEntered.Task;

        // Act: past the deadline, then past the bound on the release.
        var tick = h.App.TickAsync(CancellationToken.None);
        Assert.Equal("log.append", await entered.WaitAsync(Guard));
        h.Time.Advance(h.Options.DispatchTimeout);
        await faults.EnteredAsync("issues.release").WaitAsync(Guard);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var first = await tick.WaitAsync(Guard);
        var hangingWhenTheTickReturned = faults.Hanging;
        faults.StopHanging();
        var abandoned = await h.Issues.GetAsync(created.Issue.Id);

        // Assert: the abandoned release was cancelled when the dispatcher stopped waiting for it, so recovering the
        // store later does not let it through: the issue keeps running under the expiring lease.
        Assert.NotNull(first);
        Assert.Contains("lease expires", first.Reason, StringComparison.Ordinal);
        Assert.Equal(0, hangingWhenTheTickReturned);
        Assert.Equal(IssueState.Running, abandoned.Status.State);
    }

    [Fact]
    public async Task A_lease_renewal_still_hanging_when_the_dispatch_ends_is_cancelled_and_the_dispatch_returns_its_outcome()
    {
        // Arrange: the dispatch waits on its commit long enough for the heartbeat to renew the lease, and the renewal
        // hangs; then the commit goes through.
        var faults = new FaultPlan();
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.HangOn("blueprints.write");

        // Act
        var tick = h.App.TickAsync(CancellationToken.None);
        Assert.Equal("blueprints.write", await faults.HangEntered.Task.WaitAsync(Guard));
        faults.AlsoHangOn("issues.renew");
        h.Time.Advance(h.Options.HeartbeatInterval ?? h.Options.LeaseDuration / 3);
        await faults.EnteredAsync("issues.renew").WaitAsync(Guard);
        faults.Answer("blueprints.write");
        var outcome = await tick.WaitAsync(Guard); // the clock stands still: only cancelling the renewal ends the tick
        var hangingWhenTheTickReturned = faults.Hanging;

        // Assert: the dispatch applied the issue, and the renewal it stopped waiting for was cancelled, not left hanging.
        Assert.NotNull(outcome);
        Assert.Equal(DispatchResult.Applied, outcome.Result);
        Assert.Equal(0, hangingWhenTheTickReturned);
        Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public async Task Host_cancellation_before_the_deadline_still_releases_the_issue_at_once()
    {
        var faults = new FaultPlan();
        await using var h = await EnhanceHarness.CreateAsync(faults: faults);
        var created = await h.EnqueueAsync(Patch);
        faults.HangOn("blueprints.write");
        var entered = faults.HangEntered.Task;
        using var stop = new CancellationTokenSource();

        var tick = h.App.TickAsync(stop.Token);
        await entered.WaitAsync(Guard);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tick.WaitAsync(Guard));
        var issue = await h.Issues.GetAsync(created.Issue.Id);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        using var guard = new CancellationTokenSource(Guard);
        while (faults.Hanging > 0)
        {
            // The cancelled call unwinds on its own thread; wait for it (the guard fails the test if it never does).
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, guard.Token);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_dispatch_timeout_that_is_not_positive_is_refused(int seconds)
    {
        using var provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
            .UseInMemory()
            .AddIssueCoreWorker(o => o.DispatchTimeout = TimeSpan.FromSeconds(seconds))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("DispatchTimeout", StringComparison.Ordinal));
    }
}
