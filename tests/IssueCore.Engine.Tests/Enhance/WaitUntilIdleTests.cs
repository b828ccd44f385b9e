using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class WaitUntilIdleTests
{
    // Generous: the machine may be busy; this bound only keeps a broken wait from hanging the run.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Wait_until_idle_returns_at_once_when_no_issue_is_pending_or_running()
    {
        await using var h = await EnhanceHarness.CreateAsync();

        var wait = h.App.WaitUntilIdleAsync();

        await wait.WaitAsync(Patience);
        Assert.True(wait.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Wait_until_idle_returns_once_the_worker_has_brought_every_enqueued_issue_to_a_final_state()
    {
        // The fake clock never moves, so the poll interval never passes: only the end of a dispatch wakes the wait.
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.PollInterval = TimeSpan.FromHours(1));
        var ids = new List<IssueId>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"owner-{{i}}"}]""")).Issue.Id);
        }

        ids.Add((await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"owner-2"}]""", intent: "changes nothing")).Issue.Id);

        using var stop = new CancellationTokenSource();
        var worker = h.App.RunAsync(stop.Token);
        await h.App.WaitUntilIdleAsync().WaitAsync(Patience);

        Assert.True(await h.AllTerminalAsync(ids));
        Assert.Equal(3, (await h.LogEntriesAsync()).Count(e => e.Outcome == IssueCore.Enhance.EnhanceOutcome.Applied));
        await stop.CancelAsync();
        await worker.WaitAsync(Patience);
    }

    [Fact]
    public async Task Wait_until_idle_is_woken_by_dispatches_made_with_tick()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.PollInterval = TimeSpan.FromHours(1));
        var id = (await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""")).Issue.Id;

        var wait = h.App.WaitUntilIdleAsync();
        Assert.False(wait.IsCompleted);
        Assert.NotNull(await h.App.TickAsync());

        await wait.WaitAsync(Patience);
        Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
    }

    [Fact]
    public async Task Wait_until_idle_with_nothing_dispatching_ends_when_cancelled_and_leaves_the_issue_pending()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.PollInterval = TimeSpan.FromHours(1));
        var id = (await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""")).Issue.Id;
        using var cancel = new CancellationTokenSource();

        var wait = h.App.WaitUntilIdleAsync(cancel.Token);
        Assert.False(wait.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Patience));
        Assert.Equal(IssueState.Pending, (await h.Issues.GetAsync(id)).Status.State);
    }

    [Fact]
    public async Task Wait_until_idle_looks_again_every_poll_interval_for_dispatchers_it_does_not_hear_from()
    {
        await using var h = await EnhanceHarness.CreateAsync(options: o => o.PollInterval = TimeSpan.FromSeconds(5));
        var id = (await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""")).Issue.Id;
        using var other = h.NewDispatcher("dispatcher-2");

        var wait = h.App.WaitUntilIdleAsync();
        Assert.NotNull(await other.TickAsync());
        Assert.False(wait.IsCompleted);

        // Moved in steps until the wait sees it (its timer may start a moment after this thread moves on); bounded.
        for (var i = 0; i < 1_000 && !wait.IsCompleted; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(wait, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System));
        }

        await wait.WaitAsync(Patience);
        Assert.Equal(IssueState.Applied, (await h.Issues.GetAsync(id)).Status.State);
    }
}
