using IssueCore.Blueprints;

namespace IssueCore.Enhance;

/// <summary>
/// Lets one dispatch at a time run per Blueprint series in this process, so concurrent dispatchers of one
/// <see cref="EnhanceApplication"/> queue behind each other instead of racing on the series head (a lost
/// compare-and-swap re-runs the whole flow). Waiters queue in arrival order. Bounded: an entry exists only while a
/// dispatch of its series holds or waits for it, so there are never more entries than dispatches in flight.
/// </summary>
internal sealed class SeriesGate
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BlueprintId, Entry> _entries = [];

    /// <summary>Waits for the series' turn; dispose the result to pass the turn on.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async ValueTask<Turn> EnterAsync(BlueprintId series, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(series, out entry!))
            {
                entry = new Entry();
                _entries.Add(series, entry);
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(series, entry);
            throw;
        }

        return new Turn(this, series, entry);
    }

    private void Leave(BlueprintId series, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(series);
                entry.Semaphore.Dispose();
            }
        }
    }

    /// <summary>The series' turn, held until disposed.</summary>
    internal readonly struct Turn : IDisposable
    {
        private readonly SeriesGate? _owner;
        private readonly BlueprintId _series;
        private readonly Entry? _entry;

        internal Turn(SeriesGate owner, BlueprintId series, Entry entry)
        {
            _owner = owner;
            _series = series;
            _entry = entry;
        }

        public void Dispose()
        {
            if (_owner is null || _entry is null)
            {
                return;
            }

            _entry.Semaphore.Release();
            _owner.Leave(_series, _entry);
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
