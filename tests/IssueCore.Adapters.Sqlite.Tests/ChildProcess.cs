using System.Diagnostics;

namespace IssueCore.Adapters.Sqlite.Tests;

/// <summary>Starts the helper executable (<c>dotnet IssueCore.Adapters.Sqlite.ProcessHelper.dll …</c>) as a separate OS process.</summary>
internal sealed class ChildProcess : IDisposable
{
    private const string HelperName = "IssueCore.Adapters.Sqlite.ProcessHelper";

    private ChildProcess(Process process) => Process = process;

    public Process Process { get; }

    public static ChildProcess Start(params string[] args)
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
        info.ArgumentList.Add(HelperPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("The helper process did not start."));
    }

    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        => await Process.StandardOutput.ReadLineAsync(cancellationToken)
           ?? throw new InvalidOperationException($"The helper exited early: {await Process.StandardError.ReadToEndAsync(cancellationToken)}");

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }

    private static string HelperPath()
    {
        // The helper builds next to this project: tests/<helper>/bin/<configuration>/<tfm>/<helper>.dll.
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(baseDir)!);
        var testsDir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(baseDir)!)!)!)!;
        var path = Path.Combine(testsDir, HelperName, "bin", configuration, tfm, HelperName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the process helper first.", path);
    }
}
