using System.Diagnostics;
using System.Text.Json.Nodes;

namespace IssueCore.Cli.Tests;

/// <summary>Runs the built <c>issuecore</c> tool as a process, as a user or a CI script runs it.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public JsonNode Json => JsonNode.Parse(Output) ?? throw new InvalidOperationException("The output is the JSON null.");

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    /// <summary>Runs <c>issuecore args…</c> in <paramref name="workingDirectory"/>, with no store variables unless given.</summary>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.Environment.Remove("ISSUECORE_DB");
        info.Environment.Remove("ISSUECORE_POSTGRES");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        info.ArgumentList.Add(ToolPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The tool did not start.");
        process.StandardInput.Close();

        // Generous: a loaded machine starts a process slowly; a hung tool still ends the test.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
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

        return new Result(process.ExitCode, await output, await error);
    }

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, null, args);

    private static string ToolPath()
    {
        // The tool builds at the repository root: IssueCore.Cli/bin/<configuration>/<tfm>/issuecore.dll.
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(baseDir)!);
        var root = Path.GetFullPath(Path.Combine(baseDir, "..", "..", "..", "..", ".."));
        var path = Path.Combine(root, "IssueCore.Cli", "bin", configuration, tfm, "issuecore.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build IssueCore.Cli first.", path);
    }
}
