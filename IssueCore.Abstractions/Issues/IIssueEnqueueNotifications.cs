namespace IssueCore.Issues;

/// <summary>
/// A capability an <see cref="IIssueStore"/> may implement: it tells a process when an issue became claimable through
/// ANY process sharing the store (another host, the CLI, an ingestion worker elsewhere), so the dispatch loops of
/// <c>EnhanceApplication.RunAsync</c> wake at once instead of finding the issue at their next poll. The engine consumes
/// it when the registered store implements it: one watch per running dispatch loop set, each item waking one idle loop.
/// </summary>
/// <remarks>
/// <para>
/// Notifications are a latency hint, never the source of truth: the dispatch loops still poll every
/// <c>EnhanceApplicationOptions.PollInterval</c>, so a lost notification (a dropped connection, a store that stopped
/// watching) delays an issue by at most one poll interval, as without this capability. Implementations should
/// therefore coalesce (a burst of enqueues may be reported as one item) and keep no unbounded backlog.
/// </para>
/// <para>
/// The in-memory and SQLite adapters do not implement it: their stores serve one process, whose own enqueues already
/// wake its dispatch loops. The PostgreSQL adapter implements it with <c>LISTEN</c>/<c>NOTIFY</c>.
/// </para>
/// </remarks>
public interface IIssueEnqueueNotifications
{
    /// <summary>
    /// Watches for issues enqueued (created pending, or requeued) by any process until
    /// <paramref name="cancellationToken"/> is cancelled; then the sequence ends without throwing. Each item is one
    /// wake-up: its value is the number of enqueues it stands for (coalesced), or <c>0</c> for a wake-up that stands for
    /// enqueues possibly missed. The first item is a <c>0</c> yielded once the watch is watching (from then on no enqueue
    /// is missed), and another <c>0</c> follows each time it starts watching again after losing its source, since
    /// enqueues made meanwhile were not seen. A failing source is retried with a bounded back-off and never ends the
    /// sequence.
    /// </summary>
    /// <param name="cancellationToken">Stops the watch.</param>
    /// <returns>The wake-ups, in the order they were observed.</returns>
    IAsyncEnumerable<int> WatchAsync(CancellationToken cancellationToken = default);
}
