using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>
/// The idle Lua states an executor keeps for reuse: at most <c>poolSize</c> of them; a state that was
/// poisoned (a budget was exceeded, the runtime failed) is closed instead of being kept.
/// </summary>
internal sealed class LuaSandboxPool : IDisposable
{
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, Func<JsonNode?, JsonNode?>> _primitives;
    private readonly int _maxCachedChunks;
    private readonly int _poolSize;
    private readonly ConcurrentBag<LuaSandbox> _pool = [];
    private int _pooled;
    private volatile bool _disposed;

    public LuaSandboxPool(TimeProvider time, IReadOnlyDictionary<string, Func<JsonNode?, JsonNode?>> primitives, int maxCachedChunks, int poolSize)
    {
        _time = time;
        _primitives = primitives;
        _maxCachedChunks = maxCachedChunks;
        _poolSize = poolSize;
    }

    /// <summary>An idle state, or a new one.</summary>
    public LuaSandbox Rent()
    {
        if (_pool.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _pooled);
            return sandbox;
        }

        return new LuaSandbox(_time, _primitives, _maxCachedChunks);
    }

    /// <summary>Keeps a state for reuse, or closes it when it is to be discarded or the pool is full.</summary>
    public void Return(LuaSandbox sandbox, bool discard)
    {
        if (discard || _disposed || Interlocked.Increment(ref _pooled) > _poolSize)
        {
            if (!discard && !_disposed)
            {
                Interlocked.Decrement(ref _pooled);
            }

            sandbox.Dispose();
            return;
        }

        _pool.Add(sandbox);
    }

    /// <summary>Closes every idle state; states in use are closed when they are returned.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_pool.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _pooled);
            sandbox.Dispose();
        }
    }
}
