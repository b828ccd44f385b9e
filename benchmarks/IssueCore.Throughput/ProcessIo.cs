using System.Globalization;

namespace IssueCore.Throughput;

/// <summary>
/// The process's I/O counters from <c>/proc/self/io</c> (Linux): <c>write_bytes</c> counts the bytes the process
/// caused to be sent to the storage layer (counted when a page is dirtied, so WAL and database pages both count),
/// <c>wchar</c> the bytes passed to <c>write()</c>. Zero on systems without the file.
/// </summary>
internal readonly record struct ProcessIo(long WriteBytes, long WriteCallBytes)
{
    public static ProcessIo Read()
    {
        const string path = "/proc/self/io";
        if (!File.Exists(path))
        {
            return default;
        }

        long writeBytes = 0, wchar = 0;
        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var value = long.Parse(line.AsSpan(colon + 1).Trim(), CultureInfo.InvariantCulture);
            switch (line[..colon])
            {
                case "write_bytes":
                    writeBytes = value;
                    break;
                case "wchar":
                    wchar = value;
                    break;
            }
        }

        return new ProcessIo(writeBytes, wchar);
    }

    public static ProcessIo operator -(ProcessIo after, ProcessIo before)
        => new(after.WriteBytes - before.WriteBytes, after.WriteCallBytes - before.WriteCallBytes);
}
