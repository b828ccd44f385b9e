using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IssueCore.Dashboard.BrowserTests;

/// <summary>
/// A headless Chromium started for one test: its own throw-away profile, DevTools on a loopback port the browser
/// picks, every host name except 127.0.0.1 unresolvable (nothing leaves the machine), stopped by its process id.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Names a Chromium or Chrome binary to use instead of the ones searched on the PATH.</summary>
    public const string ExecutableVariable = "ISSUECORE_CHROMIUM";

    private static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    private readonly Process _process;
    private readonly DirectoryInfo _profile;

    private HeadlessChromium(Process process, DirectoryInfo profile, DevToolsPage page)
    {
        _process = process;
        _profile = profile;
        Page = page;
    }

    public DevToolsPage Page { get; }

    /// <summary>The binary from <see cref="ExecutableVariable"/>, else the first of Debian's names found on the PATH, else null.</summary>
    public static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var name in Candidates)
        {
            foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static async Task<HeadlessChromium> LaunchAsync(string executable, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("issuecore-chromium-");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless",
            // The sandbox needs user namespaces, which containers (and root) often lack; the browser only ever
            // loads the test's own loopback pages.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-pings",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--window-size=1280,900",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            $"--user-data-dir={profile.FullName}",
            "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        try
        {
            // The browser prints "DevTools listening on ws://127.0.0.1:<port>/devtools/browser/<id>" once it listens.
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            Uri? browserUrl = null;
            var seen = new List<string>();
            while (browserUrl is null)
            {
                var line = await process.StandardError.ReadLineAsync(cancellationToken)
                           ?? throw new InvalidOperationException($"{executable} exited before DevTools listened:\n{string.Join('\n', seen)}");
                if (seen.Count < 50)
                {
                    seen.Add(line);
                }

                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    browserUrl = new Uri(match.Groups["url"].Value);
                }
            }

            _ = DrainAsync(process.StandardError);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{browserUrl.Port}/") };
            var targets = await http.GetFromJsonAsync<JsonElement>("json/list", cancellationToken);
            var pageUrl = targets.EnumerateArray()
                .Where(t => t.GetProperty("type").GetString() == "page")
                .Select(t => t.GetProperty("webSocketDebuggerUrl").GetString())
                .First();
            var page = await DevToolsPage.ConnectAsync(new Uri(pageUrl!), cancellationToken);
            return new HeadlessChromium(process, profile, page);
        }
        catch
        {
            Stop(process);
            TryDelete(profile);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Page.DisposeAsync();
        Stop(_process);
        TryDelete(_profile);
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }

        process.Dispose();
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A helper process still held a file; the folder is under the temp directory.
        }
    }

    [GeneratedRegex(@"DevTools listening on (?<url>ws://\S+)")]
    private static partial Regex ListeningLine();
}
