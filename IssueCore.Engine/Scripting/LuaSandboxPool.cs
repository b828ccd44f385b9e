using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>
/// The Lua states of one executor: the idle ones kept for reuse (at most <c>poolSize</c>: one in a hot slot, the
/// others in a bag; a poisoned state is closed instead), and the watchdog that sees every live state.
/// </summary>
/// <remarks>
/// The watchdog is a periodic timer on the executor's <see cref="TimeProvider"/>: every
/// <see cref="WatchdogPeriod"/> it arms the count hook of each state that is running a script, so the hook
/// checks the deadline and the cancellation token after the script's next instruction even when the next
/// count interval is far away (an instruction inside a long native call). The timer holds the pool only
/// weakly and stops when the pool is disposed or collected.
/// </remarks>
internal sealed class LuaSandboxPool : IDisposable
{
    /// <summary>How often the watchdog arms the hook of every running state.</summary>
    public static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, Func<JsonNode?, JsonNode?>> _primitives;
    private readonly int _maxCachedChunks;
    private readonly int _poolSize;
    private readonly ConcurrentBag<LuaSandbox> _pool = [];
    private readonly Lock _gate = new();
    private readonly HashSet<LuaSandbox> _live = [];
    private readonly ITimer _watchdog;
    private LuaSandbox[] _liveSnapshot = [];
    private LuaSandbox? _hot; // the state returned last: one exchange to rent, one to return
    private int _pooled;
    private volatile bool _disposed;

    public LuaSandboxPool(TimeProvider time, IReadOnlyDictionary<string, Func<JsonNode?, JsonNode?>> primitives, int maxCachedChunks, int poolSize)
    {
        _time = time;
        _primitives = primitives;
        _maxCachedChunks = maxCachedChunks;
        _poolSize = poolSize;
        var weak = new WeakReference<LuaSandboxPool>(this);
        _watchdog = time.CreateTimer(static s => Tick((WeakReference<LuaSandboxPool>)s!), weak, WatchdogPeriod, WatchdogPeriod);
    }

    /// <summary>How many states are open (idle or in use); for tests.</summary>
    internal int LiveCount
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>An idle state, or a new one.</summary>
    public LuaSandbox Rent()
    {
        if (Interlocked.Exchange(ref _hot, null) is { } hot)
        {
            return hot;
        }

        if (_pool.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _pooled);
            return sandbox;
        }

        sandbox = new LuaSandbox(_time, _primitives, _maxCachedChunks);
        lock (_gate)
        {
            _live.Add(sandbox);
            _liveSnapshot = [.. _live];
        }

        return sandbox;
    }

    /// <summary>
    /// Keeps a state for reuse, or closes it when it is to be discarded, the pool is full or disposed. The state
    /// goes to the hot slot when it is free (the common case: one call at a time per thread), otherwise to the bag;
    /// the bag's check and add happen under the same lock as <see cref="Dispose"/>, and a state put in the hot
    /// slot while the pool was being disposed is taken back and closed, so no state is kept after the pool was drained.
    /// </summary>
    public void Return(LuaSandbox sandbox, bool discard)
    {
        if (!discard && _poolSize > 0 && !_disposed && Interlocked.CompareExchange(ref _hot, sandbox, null) is null)
        {
            // Both sides are full fences: either Dispose's exchange finds the state, or this sees _disposed.
            if (_disposed && Interlocked.CompareExchange(ref _hot, null, sandbox) == sandbox)
            {
                Close(sandbox);
            }

            return;
        }

        lock (_gate)
        {
            if (!discard && !_disposed && Interlocked.Increment(ref _pooled) <= _poolSize - 1)
            {
                _pool.Add(sandbox);
                return;
            }

            if (!discard && !_disposed)
            {
                Interlocked.Decrement(ref _pooled);
            }
        }

        Close(sandbox);
    }

    /// <summary>Closes every idle state; states in use are closed when they are returned.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _watchdog.Dispose();
        if (Interlocked.Exchange(ref _hot, null) is { } hot)
        {
            Close(hot);
        }

        while (_pool.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _pooled);
            Close(sandbox);
        }
    }

    private void Close(LuaSandbox sandbox)
    {
        sandbox.Dispose();
        lock (_gate)
        {
            if (_live.Remove(sandbox))
            {
                _liveSnapshot = [.. _live];
            }
        }
    }

    private static void Tick(WeakReference<LuaSandboxPool> weak)
    {
        if (!weak.TryGetTarget(out var pool))
        {
            return;
        }

        foreach (var sandbox in Volatile.Read(ref pool._liveSnapshot))
        {
            sandbox.Interrupt();
        }
    }
}
