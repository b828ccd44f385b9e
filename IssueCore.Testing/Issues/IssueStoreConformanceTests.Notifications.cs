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
        Contract.True(await watch.MoveNextAsync(), "WatchAsync yields a first wake-up once it is watching");

        await Store.CreateAsync(Draft(intent: "wake someone"));

        var woken = false;
        while (!woken && await watch.MoveNextAsync())
        {
            woken = watch.Current > 0;
        }

        Contract.True(woken, "WatchAsync yields a wake-up for an issue created after the watch started");
    }

    [SkippableFact]
    public async Task Enqueue_notifications_end_without_throwing_when_cancelled()
    {
        Skip.IfNot(Store is IIssueEnqueueNotifications, NotificationsSkipReason);
        using var timeout = new CancellationTokenSource(NotificationWait);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        await using var watch = ((IIssueEnqueueNotifications)Store).WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Contract.True(await watch.MoveNextAsync(), "WatchAsync yields a first wake-up once it is watching");

        await stop.CancelAsync();

        Contract.False(await watch.MoveNextAsync(), "WatchAsync ends without throwing when its token is cancelled");
        Contract.False(timeout.IsCancellationRequested, "WatchAsync ends on cancellation of its own token (checked: the test's bound had not passed)");
    }

#pragma warning restore CS1591
}
