using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace IssueCore.Launch;

/// <summary>
/// Names the process that executes a run (<c>machine/pid/start</c>, start in Unix milliseconds), and tells whether
/// another such name belongs to a process that is certainly gone: on this machine, a process id that no longer exists,
/// or that now belongs to a process started at another time (the id was reused, for example by a restarted container).
/// Owners on other machines are never known dead; their runs are recovered by the activity cutoff instead.
/// </summary>
internal sealed class RunOwner
{
    // Process start times are read from the OS with coarse resolution; two readings of one process agree within this.
    private const long StartToleranceMs = 1_000;

    private readonly string _machine;
    private readonly int _processId;
    private readonly long _startMs;

    private RunOwner(string machine, int processId, long startMs)
    {
        _machine = machine;
        _processId = processId;
        _startMs = startMs;
        Id = string.Create(CultureInfo.InvariantCulture, $"{machine}/{processId}/{startMs}");
    }

    /// <summary>The owner id written on runs this process executes.</summary>
    public string Id { get; }

    /// <summary>The owner of this process.</summary>
    public static RunOwner Current()
    {
        using var self = Process.GetCurrentProcess();
        return new RunOwner(Environment.MachineName, Environment.ProcessId, StartMs(self));
    }

    /// <summary>Whether <paramref name="owner"/> names a process of this machine that certainly no longer runs.</summary>
    public bool IsKnownDead(string owner)
    {
        if (!TryParse(owner, out var machine, out var processId, out var startMs) || !string.Equals(machine, _machine, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (processId == _processId)
        {
            // Our own id: either this very process (alive) or an earlier one that had the same id.
            return Math.Abs(startMs - _startMs) > StartToleranceMs;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return Math.Abs(StartMs(process) - startMs) > StartToleranceMs;
        }
        catch (ArgumentException)
        {
            return true; // no process has this id any more
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return false; // cannot tell (exiting just now, or not ours to inspect): leave it to the activity cutoff
        }
    }

    private static long StartMs(Process process) => new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();

    private static bool TryParse(string owner, out string machine, out int processId, out long startMs)
    {
        machine = string.Empty;
        processId = 0;
        startMs = 0;
        var last = owner.LastIndexOf('/');
        var middle = last > 0 ? owner.LastIndexOf('/', last - 1) : -1;
        if (middle <= 0)
        {
            return false;
        }

        machine = owner[..middle];
        return int.TryParse(owner.AsSpan(middle + 1, last - middle - 1), NumberStyles.None, CultureInfo.InvariantCulture, out processId)
               && long.TryParse(owner.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out startMs);
    }
}
