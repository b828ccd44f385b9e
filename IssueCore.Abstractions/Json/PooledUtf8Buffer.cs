using System.Buffers;

namespace IssueCore.Json;

/// <summary>
/// A buffer writer over arrays rented from <see cref="ArrayPool{T}.Shared"/>, for bytes that are hashed or copied out once
/// written: the scratch bytes cost no allocation. Dispose returns the array.
/// </summary>
/// <remarks>One source, compiled into IssueCore.Abstractions and (linked) into IssueCore.Engine, internal to each.</remarks>
internal sealed class PooledUtf8Buffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledUtf8Buffer(int initialCapacity = 1024) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));

    /// <summary>What has been written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>What has been written so far, as memory (valid until the next write or Dispose).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The size of the rented array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Forgets what was written, keeping the array for the next bytes.</summary>
    public void Clear() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(checked(Math.Max(_buffer.Length * 2, _written + needed)));
        _buffer.AsSpan(0, _written).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }
}
