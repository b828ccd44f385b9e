using System.Diagnostics;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>Runs the helper executable (<c>dotnet IssueCore.Engine.ProcessHelper.dll …</c>) as a separate OS process, so a crash shows as a failed test.</summary>
internal static class ChildProcess
{
    private const string HelperName = "IssueCore.Engine.ProcessHelper";

    /// <summary>Runs the helper to its end and returns its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan guard, params string[] args)
    {
        // The SDK tells child processes which dotnet host it runs under; fall back to the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HelperPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The helper process did not start.");
        using var cts = new CancellationTokenSource(guard);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cts.Token);
            var error = process.StandardError.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);
            return (process.ExitCode, await output, await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
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
