namespace IssueCore.Launch;

/// <summary>
/// Counts the flow runs that finish in this process and wakes the retention purge once
/// <see cref="RunRetentionOptions.PurgeAfterRuns"/> of them have finished since the last wake-up, so the runs kept beyond
/// the retention bound are bounded by a count as well as by <see cref="RunRetentionOptions.PurgeInterval"/>, however fast
/// runs finish.
/// </summary>
internal sealed class RunRetentionTrigger : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly int _threshold;
    private int _finished;

    /// <summary>Creates a trigger that wakes the purge every <paramref name="threshold"/> finished runs (never when not positive).</summary>
    public RunRetentionTrigger(int? threshold) => _threshold = threshold ?? 0;

    /// <summary>Counts one finished run; wakes the purge when the threshold is reached.</summary>
    public void RunFinished()
    {
        if (_threshold <= 0 || Interlocked.Increment(ref _finished) < _threshold)
        {
            return;
        }

        Interlocked.Exchange(ref _finished, 0);
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another run woke it at the same moment: one wake-up is enough.
            }
        }
    }

    /// <summary>Completes when the threshold was reached since the last wake-up (never, without a threshold).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _signal.Dispose();
}
