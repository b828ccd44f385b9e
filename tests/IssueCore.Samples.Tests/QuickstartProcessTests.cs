using System.Diagnostics;

namespace IssueCore.Samples.Tests;

/// <summary>The quickstart run as a user runs it: a separate process, its exit code and everything it prints.</summary>
public sealed class QuickstartProcessTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("issuecore-quickstart-process-");

    [Fact]
    public async Task A_folder_as_db_gives_one_line_naming_it_and_exit_1()
    {
        var (exit, output) = await RunAsync($"--db={_directory.FullName}");

        AssertOneLineFailure(exit, output, _directory.FullName, "is a folder, not a database file");
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_gives_one_line_naming_it_and_exit_1()
    {
        var path = Path.Combine(_directory.FullName, "notes.txt");
        await File.WriteAllTextAsync(path, "these are notes, not a database\n");

        var (exit, output) = await RunAsync("--db", path);

        AssertOneLineFailure(exit, output, path, "is not a SQLite database");
        Assert.Equal("these are notes, not a database\n", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task An_impossible_path_gives_one_line_naming_it_and_exit_1()
    {
        var file = Path.Combine(_directory.FullName, "plain-file");
        await File.WriteAllTextAsync(file, "x");
        var path = Path.Combine(file, "sub", "issuecore.db");

        var (exit, output) = await RunAsync($"--db={path}");

        AssertOneLineFailure(exit, output, path, "is a file, not a folder");
    }

    [Fact]
    public async Task A_read_only_location_gives_one_line_naming_it_and_exit_1()
    {
        string path;
        if (OperatingSystem.IsWindows())
        {
            return; // the quickstart's CI runs on Linux; Windows has neither sysfs nor Unix file modes
        }

        if (Environment.UserName == "root")
        {
            // Permission bits do not stop root; sysfs refuses new files to everyone.
            path = "/sys/issuecore-quickstart.db";
        }
        else
        {
            var folder = Directory.CreateDirectory(Path.Combine(_directory.FullName, "locked"));
            path = Path.Combine(folder.FullName, "issuecore.db");
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var (exit, output) = await RunAsync("--db", path);

        AssertOneLineFailure(exit, output, path, "not writable");
    }

    [Fact]
    public async Task Missing_parent_folders_are_created_and_the_quickstart_says_so()
    {
        var path = Path.Combine(_directory.FullName, "new", "deeper", "issuecore.db");

        var (exit, output) = await RunAsync($"--db={path}");

        Assert.Equal(0, exit);
        Assert.Contains($"Created the missing folders {Path.Combine(_directory.FullName, "new")}, {Path.Combine(_directory.FullName, "new", "deeper")}", output, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
    }

    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
        {
            foreach (var dir in _directory.EnumerateDirectories("*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        _directory.Delete(recursive: true);
    }

    private static void AssertOneLineFailure(int exit, string output, string path, string problem)
    {
        Assert.Equal(1, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"'{path}'", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    /// <summary>The quickstart in its own output folder (built with the same configuration as this test), with its own dependencies.</summary>
    private static string QuickstartAssembly()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        for (var dir = framework; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "IssueCore.Samples.Quickstart", "bin", configuration, framework.Name, "IssueCore.Samples.Quickstart.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"The quickstart is not built for {configuration}/{framework.Name}.");
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(QuickstartAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
