using System.Diagnostics;

namespace IssueCore.Tests.Shared;

/// <summary>
/// Runs the JSON crash helper (<c>IssueCore.Json.ProcessHelper</c>) on one input file in its own OS
/// process, so an input that crashes the process (a stack overflow cannot be caught) fails the test
/// instead of ending the test host.
/// </summary>
internal static class JsonHelperProcess
{
    private const string HelperName = "IssueCore.Json.ProcessHelper";

    /// <summary>Writes <paramref name="input"/> to a temporary file, runs <c>helper mode file</c> and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string mode, string input)
    {
        var file = Path.Combine(Path.GetTempPath(), $"issuecore-json-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, input);
        try
        {
            // The SDK tells child processes which dotnet host it runs under; fall back to the one on PATH.
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
            var info = new ProcessStartInfo(host)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // A bounded heap: an input that grows without bound ends the child with an out-of-memory
            // error instead of taking the machine's memory.
            info.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000";
            info.ArgumentList.Add(HelperPath());
            info.ArgumentList.Add(mode);
            info.ArgumentList.Add(file);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("The helper process did not start.");
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, (await output).Trim(), await error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string HelperPath()
    {
        // The helper builds next to the test project: tests/<helper>/bin/<configuration>/<tfm>/<helper>.dll.
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(baseDir)!);
        var testsDir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(baseDir)!)!)!)!;
        var path = Path.Combine(testsDir, HelperName, "bin", configuration, tfm, HelperName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the JSON process helper first.", path);
    }
}
