using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

public abstract partial class IssueStoreConformanceTests
{
    private const string NotificationsSkipReason = "The store does not implement IIssueEnqueueNotifications (optional: same-process enqueues wake the dispatcher without it).";

    // Generous: a notification arrives in milliseconds; the bound only stops a broken store from hanging the run.
    private static readonly TimeSpan NotificationWait = TimeSpan.FromSeconds(30);

#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [SkippableFact]
    public async Task Enqueue_notifications_yield_a_wake_up_for_an_issue_created_after_the_watch_started()
    {
        Skip.IfNot(Store is IIssueEnqueueNotifications, NotificationsSkipReason);
        using var timeout = new CancellationTokenSource(NotificationWait);
        await using var watch = ((IIssueEnqueueNotifications)Store).WatchAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await watch.MoveNextAsync(), "the watch yields once it is watching");

        await Store.CreateAsync(Draft(intent: "wake someone"));

        var woken = false;
        while (!woken && await watch.MoveNextAsync())
        {
            woken = watch.Current > 0;
        }

        Assert.True(woken, "a wake-up for the created issue arrived before the bound");
    }

    [SkippableFact]
    public async Task Enqueue_notifications_end_without_throwing_when_cancelled()
    {
        Skip.IfNot(Store is IIssueEnqueueNotifications, NotificationsSkipReason);
        using var timeout = new CancellationTokenSource(NotificationWait);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        await using var watch = ((IIssueEnqueueNotifications)Store).WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync(), "the watch yields once it is watching");

        await stop.CancelAsync();

        Assert.False(await watch.MoveNextAsync());
        Assert.False(timeout.IsCancellationRequested, "the watch ended on cancellation, not on the bound");
    }

#pragma warning restore CS1591
}
