using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>
/// The Lua states of one executor: the idle ones kept for reuse (at most <c>poolSize</c>; a poisoned state
/// is closed instead), and the watchdog that sees every live state.
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
    private int _pooled;
    private bool _disposed;

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
    /// Keeps a state for reuse, or closes it when it is to be discarded, the pool is full or disposed. The
    /// check and the add happen under the same lock as <see cref="Dispose"/>, so no state is kept after the
    /// pool was drained.
    /// </summary>
    public void Return(LuaSandbox sandbox, bool discard)
    {
        lock (_gate)
        {
            if (!discard && !_disposed && Interlocked.Increment(ref _pooled) <= _poolSize)
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
