using System.Diagnostics;
using System.Globalization;

namespace IssueCore.Reliability.Tests.Support;

/// <summary>
/// One dispatcher host (<c>dotnet IssueCore.Reliability.Dispatcher.dll …</c>) running as a separate OS process, with
/// its stdout read in the background: the "ready" line, one "outcome" line per dispatch, one "recovering" line per
/// re-dispatch that finished an earlier attempt's bookkeeping, the "stopped" line.
/// </summary>
internal sealed class DispatcherProcess : IAsyncDisposable
{
    /// <summary>Overrides where the dispatcher dll is (CI builds it once and passes the path).</summary>
    public const string PathVariable = "ISSUECORE_RELIABILITY_DISPATCHER";

    private const string HostName = "IssueCore.Reliability.Dispatcher";

    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _stderr = new();
    private readonly Task _stdoutLoop;
    private readonly Task _stderrLoop;
    private int _outcomes;
    private int _recoveries;
    private int _approvals;

    private DispatcherProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _stdoutLoop = Task.Run(ReadStdoutAsync);
        _stderrLoop = Task.Run(ReadStderrAsync);
    }

    public string Name { get; }

    /// <summary>How many dispatch outcomes (applied, rejected, dead-lettered) this process has logged so far.</summary>
    public int Outcomes => Volatile.Read(ref _outcomes);

    /// <summary>
    /// How many re-dispatches this process logged that found the commit or log entry an earlier attempt made (and
    /// only finished its bookkeeping). Complete once <see cref="KillAsync"/> or <see cref="StopAsync"/> returned.
    /// </summary>
    public int Recoveries => Volatile.Read(ref _recoveries);

    public bool HasExited => _process.HasExited;

    public static DispatcherProcess Start(string name, IEnumerable<string> storeArgs, params string[] extraArgs)
    {
        // The SDK tells child processes which dotnet host it runs under; fall back to the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath());
        info.ArgumentList.Add("name=" + name);
        foreach (var arg in storeArgs.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The dispatcher process did not start.");
        return new DispatcherProcess(process, name);
    }

    /// <summary>Waits until the host has started (interrupted runs are marked by then).</summary>
    public Task WaitReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>SIGKILL: no shutdown code runs in the child.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync(cancellationToken);
        await _stdoutLoop.WaitAsync(cancellationToken);
    }

    /// <summary>How many "approved" lines (approvals this process carried out) it has printed so far.</summary>
    public int Approvals => Volatile.Read(ref _approvals);

    /// <summary>Asks the host to approve a waiting issue (the host prints "approved …" when it did).</summary>
    public async Task ApproveAsync(string issueId, string approver, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync($"approve {issueId} {approver}".AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
    }

    /// <summary>Asks the host to stop gracefully; returns the peak working set it reports, in bytes.</summary>
    public async Task<long> StopAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("stop".AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        var line = await _stopped.Task.WaitAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
        await _stdoutLoop.WaitAsync(cancellationToken);
        Assert.True(_process.ExitCode == 0, $"The dispatcher {Name} exited with {_process.ExitCode}: {StderrTail()}");
        return long.Parse(line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
    }

    public string StderrTail()
    {
        lock (_stderr)
        {
            return string.Join(Environment.NewLine, _stderr);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await Task.WhenAll(_stdoutLoop, _stderrLoop);
        _process.Dispose();
    }

    private static string DllPath()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"{PathVariable} names no file.", configured);
        }

        // The host builds next to this project: tests/<host>/bin/<configuration>/<tfm>/<host>.dll.
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(baseDir)!);
        var testsDir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(baseDir)!)!)!)!;
        var path = Path.Combine(testsDir, HostName, "bin", configuration, tfm, HostName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {HostName} first (or set {PathVariable}).", path);
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("outcome ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _outcomes);
            }
            else if (line.StartsWith("recovering ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _recoveries);
            }
            else if (line.StartsWith("approved ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _approvals);
            }
            else if (line.StartsWith("ready", StringComparison.Ordinal))
            {
                _ready.TrySetResult();
            }
            else if (line.StartsWith("stopped", StringComparison.Ordinal))
            {
                _stopped.TrySetResult(line);
            }
        }

        var exited = new InvalidOperationException($"The dispatcher {Name} exited: {StderrTail()}");
        _ready.TrySetException(exited);
        _stopped.TrySetException(exited);
    }

    private async Task ReadStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.Enqueue(line);
                if (_stderr.Count > 40)
                {
                    _stderr.Dequeue();
                }
            }
        }
    }
}
