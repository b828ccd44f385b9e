using System.Collections.Concurrent;

namespace IssueCore.Enhance;

/// <summary>
/// What the dispatch loop of one <see cref="EnhanceApplication"/> is doing, for health checks: whether
/// <see cref="EnhanceApplication.RunAsync"/> is running, when it last looked for work, and since when its oldest
/// unfinished dispatch has run. Read it from <see cref="EnhanceApplication.Activity"/>.
/// </summary>
public sealed class DispatcherActivity
{
    private readonly TimeProvider _time;

    // One entry per tick in progress: at most one per dispatch loop, so bounded by MaxConcurrentDispatches.
    private readonly ConcurrentDictionary<long, DateTimeOffset> _inFlight = new();
    private long _nextTick;
    private int _loops;
    private long _lastPollTicks = -1;

    internal DispatcherActivity(TimeProvider time) => _time = time;

    /// <summary>Whether <see cref="EnhanceApplication.RunAsync"/> (the hosted worker) is running.</summary>
    public bool IsRunning => Volatile.Read(ref _loops) > 0;

    /// <summary>When a loop last started or finished a tick (looked for work), or <see langword="null"/> before the first.</summary>
    public DateTimeOffset? LastPollAt
        => Volatile.Read(ref _lastPollTicks) is var ticks and >= 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>When the oldest tick still in progress (a claim and its dispatch) started, or <see langword="null"/> when none is.</summary>
    public DateTimeOffset? OldestTickStartedAt
    {
        get
        {
            DateTimeOffset? oldest = null;
            foreach (var started in _inFlight.Values)
            {
                if (oldest is null || started < oldest)
                {
                    oldest = started;
                }
            }

            return oldest;
        }
    }

    internal void LoopStarted() => Interlocked.Increment(ref _loops);

    internal void LoopStopped() => Interlocked.Decrement(ref _loops);

    internal long TickStarted()
    {
        var now = _time.GetUtcNow();
        var id = Interlocked.Increment(ref _nextTick);
        _inFlight[id] = now;
        Volatile.Write(ref _lastPollTicks, now.UtcTicks);
        return id;
    }

    internal void TickEnded(long id)
    {
        _inFlight.TryRemove(id, out _);
        Volatile.Write(ref _lastPollTicks, _time.GetUtcNow().UtcTicks);
    }
}
