using System.Buffers;
using System.IO.Compression;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// Compression of the large JSON values the adapter writes with every dispatch (a run's events): Brotli
/// at its fastest quality, which keeps about a fifth of such text (repeated keys, node paths and hashes), so a run's
/// events fit in fewer pages and the WAL and checkpoints write fewer bytes.
/// </summary>
internal static class SqliteBrotli
{
    /// <summary>A value shorter than this is stored as it is: compressing it would save a few bytes for the time it takes.</summary>
    public const int CompressFrom = 384;

    /// <summary>The largest value a stored row may claim to unpack to; a larger length is a damaged row, not an allocation to make.</summary>
    public const int MaxUnpackedLength = 256 * 1024 * 1024;

    private const int Quality = 1;

    private const int Window = 22;

    /// <summary>
    /// Compresses <paramref name="data"/>; returns <see langword="null"/> when it is shorter than
    /// <see cref="CompressFrom"/> or does not get smaller.
    /// </summary>
    public static byte[]? TryPack(ReadOnlySpan<byte> data)
    {
        if (data.Length < CompressFrom)
        {
            return null;
        }

        var packed = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(data.Length));
        try
        {
            return BrotliEncoder.TryCompress(data, packed, out var written, Quality, Window) && written < data.Length
                ? packed.AsSpan(0, written).ToArray()
                : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    /// <summary>Unpacks <paramref name="packed"/> into exactly <paramref name="length"/> bytes; <see langword="null"/> when the length is out of range or the data does not unpack to it.</summary>
    public static byte[]? TryUnpack(ReadOnlySpan<byte> packed, long length)
    {
        if (length is < 0 or > MaxUnpackedLength)
        {
            return null;
        }

        var data = new byte[length];
        return BrotliDecoder.TryDecompress(packed, data, out var written) && written == length ? data : null;
    }
}
