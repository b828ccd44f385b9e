using System.Text.Json;
using Xunit.Abstractions;

namespace IssueCore.Dashboard.BrowserTests;

/// <summary>
/// The operator's walk through the dashboard in a real browser, against the WebHost sample: every wait is on a DOM
/// condition, checked inside the page on each change, with a bound generous enough for a loaded machine.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    // A dead letter waits for its retry budget (five attempts, back-offs of 1 + 2 + 4 + 8 seconds by default).
    private static readonly TimeSpan DeadLetterBound = TimeSpan.FromMinutes(3);

    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [SkippableFact]
    public async Task An_operator_watches_an_issue_get_applied_opens_its_diff_and_requeues_a_dead_letter()
    {
        var executable = HeadlessChromium.Find();
        var required = Environment.GetEnvironmentVariable("ISSUECORE_REQUIRE_SERVERS") == "1";
        Skip.If(executable is null && !required, $"No Chromium found (apt-get install chromium, or set {HeadlessChromium.ExecutableVariable}).");
        Assert.True(executable is not null, $"ISSUECORE_REQUIRE_SERVERS=1 but no Chromium was found: install Debian's chromium package or set {HeadlessChromium.ExecutableVariable}.");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        await using var host = await SampleHost.StartAsync(ct);
        await using var chromium = await HeadlessChromium.LaunchAsync(executable!, ct);
        var page = chromium.Page;
        await page.SetViewportAsync(1280, 900, ct);

        try
        {
            // 1. The page carries no key: until the operator types one, the API refuses and the page says so.
            await page.NavigateAsync(new Uri(host.BaseAddress, "issuecore/"), ct);
            await page.WaitForAsync("!document.getElementById('banner').hidden && document.getElementById('banner').textContent.includes('401')", "the 401 banner", Bound, ct);
            await ShotAsync(page, "01-api-key-required", ct);
            await page.TypeAsync("#api-key", SampleHost.ApiKey, ct);
            await page.PressAsync("Enter", 13, ct);
            await page.WaitForAsync("document.getElementById('banner').hidden && document.getElementById('count-applied')", "the queue counts", Bound, ct);
            Assert.Equal(SampleHost.ApiKey, (await page.EvaluateAsync("sessionStorage.getItem('issuecore.apiKey')", ct)).GetString());
            Assert.Equal(0, (await page.EvaluateAsync("localStorage.length", ct)).GetInt32());
            Assert.Equal(string.Empty, (await page.EvaluateAsync("document.getElementById('api-key').value", ct)).GetString());

            // 2. Ingest: one issue that applies to the demo series, one for a series that does not exist yet (a dead letter).
            var applied = await host.IngestAsync("demo", "evt-dashboard-1", "docs-team", ct);
            var dead = await host.IngestAsync("onboarding", "evt-dashboard-2", "docs-team", ct);

            // 3. Watch it become applied: the live queue shows it under "applied", then its page shows the verdicts.
            await page.ClickAsync("#count-applied", ct);
            await page.WaitForAsync($"document.querySelector('tr[data-issue={Js(applied)}]')", "the issue in the applied queue", Bound, ct);
            await ShotAsync(page, "02-queue-applied", ct);
            await page.ClickAsync($"tr[data-issue={Js(applied)}] a[href^='#/issues/']", ct);
            await page.WaitForAsync("document.getElementById('issue-status')?.dataset.status === 'applied' && document.querySelectorAll('main table tbody tr').length >= 4", "the applied issue with its verdicts", Bound, ct);
            var verdicts = await page.EvaluateAsync("[...document.querySelectorAll('main table tbody tr')].map(r => r.cells[1].textContent)", ct);
            Assert.All(verdicts.EnumerateArray(), v => Assert.Equal("pass", v.GetString()));

            // The issue's own patch, as it was ingested: one replace of the owner.
            await page.WaitForAsync("document.querySelectorAll('#issue-patch li').length === 1", "the issue's own patch", Bound, ct);
            var operation = (await page.EvaluateAsync("document.querySelector('#issue-patch li').textContent", ct)).GetString();
            Assert.Contains("replace", operation, StringComparison.Ordinal);
            Assert.Contains("/metadata/owner", operation, StringComparison.Ordinal);
            Assert.Contains("\"docs-team\"", operation, StringComparison.Ordinal);
            await ShotAsync(page, "03-issue-applied", ct);

            // 4. Open its diff: the side-by-side view marks the changed owner on both sides.
            await page.ClickAsync("#open-diff", ct);
            await page.WaitForAsync(
                "[...document.querySelectorAll('#side-by-side li.add')].some(li => li.textContent.includes('docs-team')) && [...document.querySelectorAll('#side-by-side li.del')].some(li => li.textContent.includes('platform-team'))",
                "the side-by-side diff of the owner", Bound, ct);
            await ShotAsync(page, "04-diff", ct);

            // 5. The series' history lists both versions, the newer one made by the issue.
            await page.ClickAsync("main h1 a", ct);
            await page.WaitForAsync($"document.querySelectorAll('main table tbody tr').length >= 2 && document.querySelector('main table a[href={Js("#/issues/" + Uri.EscapeDataString(applied))}]')", "the series history", Bound, ct);
            await ShotAsync(page, "05-series-history", ct);

            // 6. The runs, and the applied issue's run, wave by wave.
            var runOfApplied = $"main table tr:has(a[href={Js("#/issues/" + Uri.EscapeDataString(applied))}]) a[href^='#/runs/']";
            await page.ClickAsync("a[data-nav='runs']", ct);
            await page.WaitForAsync($"document.querySelector({Js(runOfApplied)})", "the runs list", Bound, ct);
            await ShotAsync(page, "06-runs", ct);
            await page.ClickAsync(runOfApplied, ct);
            await page.WaitForAsync("document.querySelectorAll('#waves .wave').length >= 2 && document.querySelectorAll('#waves .event').length >= 4", "the run's waves", Bound, ct);
            await ShotAsync(page, "07-run-timeline", ct);

            // 7. The dead letter appears once its retry budget is spent; the series is then published and the operator
            //    requeues it from the keyboard.
            await page.ClickAsync("a[data-nav='dead-letters']", ct);
            await page.WaitForAsync($"document.querySelector('#failed-list button[data-requeue={Js(dead)}]')", "the dead letter", DeadLetterBound, ct);
            await ShotAsync(page, "08-dead-letters", ct);
            await host.CreateSeriesAsync("onboarding", ct);

            // The reading key may not act: the API answers 403 and the page says so; the operator's key may.
            await page.FocusAsync($"#failed-list button[data-requeue={Js(dead)}]", ct);
            await page.PressAsync("Enter", 13, ct);
            await page.WaitForAsync("document.getElementById('flash')?.textContent.includes('(403)')", "the refusal of the reading key", Bound, ct);
            await page.TypeAsync("#api-key", SampleHost.OperatorApiKey, ct);
            await page.PressAsync("Enter", 13, ct);
            await page.WaitForAsync($"sessionStorage.getItem('issuecore.apiKey') === {Js(SampleHost.OperatorApiKey)} && document.querySelector('#failed-list button[data-requeue={Js(dead)}]')", "the page with the operator's key", Bound, ct);
            await page.FocusAsync($"#failed-list button[data-requeue={Js(dead)}]", ct);
            await page.PressAsync("Enter", 13, ct);
            await page.WaitForAsync($"document.getElementById('flash')?.textContent.includes(' requeued: now ') && !document.querySelector('#failed-list button[data-requeue={Js(dead)}]')", "the requeue confirmation", Bound, ct);
            await ShotAsync(page, "09-requeued", ct);
            await page.EvaluateAsync($"location.hash = {Js("#/issues/" + Uri.EscapeDataString(dead))}", ct);
            await page.WaitForAsync("document.getElementById('issue-status')?.dataset.status === 'applied'", "the requeued issue applied", Bound, ct);
            await ShotAsync(page, "10-requeued-applied", ct);

            // 8. A narrow window: nothing scrolls sideways, and the enhance log lists both outcomes.
            await page.SetViewportAsync(390, 844, ct);
            await page.ClickAsync("a[data-nav='enhance-log']", ct);
            await page.WaitForAsync("document.querySelectorAll('main table tbody tr').length >= 2", "the enhance log", Bound, ct);
            await ShotAsync(page, "11-narrow-enhance-log", ct);
            var overflow = await page.EvaluateAsync("document.documentElement.scrollWidth - window.innerWidth", ct);
            Assert.True(overflow.GetDouble() <= 1, $"The page scrolls sideways by {overflow.GetDouble()} px at 390 px wide.");

        }
        catch
        {
            await ShotAsync(page, "failure", CancellationToken.None);
            throw;
        }

        Assert.Empty(page.Errors);
        output.WriteLine($"Screenshots: {Screenshots}");
    }

    private static string Js(string text) => JsonSerializer.Serialize(text);

    private static Task ShotAsync(DevToolsPage page, string name, CancellationToken ct)
        => page.ScreenshotAsync(Path.Combine(Screenshots, name + ".png"), ct);
}
