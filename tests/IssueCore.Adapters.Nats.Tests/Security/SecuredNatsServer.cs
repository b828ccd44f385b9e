using System.Diagnostics;
using System.Text.RegularExpressions;

namespace IssueCore.Adapters.Nats.Tests.Security;

/// <summary>
/// A private nats-server (with JetStream) started from a temporary configuration file that holds an
/// <c>authorization</c> block, on a loopback port the server picks. Stopped (by its process) and its
/// files removed on dispose.
/// </summary>
internal sealed partial class SecuredNatsServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private SecuredNatsServer(Process process, string directory, string url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Starts a server whose configuration is <paramref name="authorization"/> (an <c>authorization { … }</c> block) plus loopback and JetStream settings.</summary>
    public static async Task<SecuredNatsServer> StartAsync(string authorization)
    {
        var directory = Directory.CreateTempSubdirectory("issuecore-nats-auth-").FullName;
        var config = Path.Combine(directory, "server.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: "127.0.0.1:-1"
            jetstream { store_dir: "{{Path.Combine(directory, "js")}}", max_memory_store: 64MB, max_file_store: 256MB }
            {{authorization}}
            """);
        var info = new ProcessStartInfo("nats-server")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        var process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start.");
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    // Keep draining the log so the server never blocks on a full pipe.
                    _ = process.StandardError.ReadToEndAsync();
                    return new SecuredNatsServer(process, directory, $"nats://127.0.0.1:{match.Groups[1].Value}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill();
        process.Dispose();
        Directory.Delete(directory, recursive: true);
        throw new InvalidOperationException("nats-server did not report its client port; is nats-server 2.9+ on PATH (.ci/nats.sh installs it)?");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The server may still hold a file for a moment; the folder is under the temp directory.
        }
    }

    [GeneratedRegex(@"Listening for client connections on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
