namespace IssueCore.Enhance;

/// <summary>
/// Wakes idle dispatch loops of the process's <see cref="EnhanceApplication"/> when an issue is enqueued (by
/// <see cref="EnhanceApplication.HandleAsync"/> or the ingestion service; one singleton per container): each <see cref="Notify"/> wakes one waiting loop,
/// or, when none waits, is kept for the next one to wait (at most <c>limit</c> kept, so a burst of enqueues wakes
/// every loop but never piles up). Waiting is bounded by a timeout on the <see cref="TimeProvider"/> (the poll that
/// finds issues enqueued by other processes) and never throws on timeout.
/// </summary>
internal sealed class DispatchSignal(int limit)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private int _pending;

    /// <summary>Wakes one waiting loop, or keeps the wake-up for the next loop that waits.</summary>
    public void Notify()
    {
        TaskCompletionSource? woken = null;
        lock (_gate)
        {
            if (_waiters.First is { } first)
            {
                woken = first.Value;
                _waiters.RemoveFirst();
            }
            else if (_pending < limit)
            {
                _pending++;
            }
        }

        woken?.TrySetResult();
    }

    /// <summary>
    /// Waits until <see cref="Notify"/> is called, <paramref name="timeout"/> passes or <paramref name="cancellationToken"/>
    /// is cancelled, whichever comes first; returns at once when a wake-up is pending. Never throws.
    /// </summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_pending > 0)
            {
                _pending--;
                return;
            }

            node = _waiters.AddLast(waiter);
        }

        await waiter.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            // Timed out or cancelled: leave the queue (a Notify that took this waiter meanwhile woke it anyway).
            if (node.List is not null)
            {
                _waiters.Remove(node);
            }
        }
    }
}
