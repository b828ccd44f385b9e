using System.Globalization;
using System.Reflection;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Quickstart;

/// <summary>The quickstart itself; <c>Program</c> only wires Ctrl+C to it.</summary>
internal static class QuickstartApp
{
    private const int TableLimit = 20;

    /// <summary>Runs the quickstart and returns the process exit code (0 when every issue reached a final state).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var options = QuickstartOptions.Parse(args, DefaultDatabasePath(), out var error);
        if (options is null)
        {
            await output.WriteLineAsync($"{error}{Environment.NewLine}{Environment.NewLine}{QuickstartOptions.HelpText}");
            return 2;
        }

        if (options.ShowHelp)
        {
            await output.WriteLineAsync(QuickstartOptions.HelpText);
            return 0;
        }

        if (options.Reset)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(options.DatabasePath + suffix);
            }
        }

        if (DatabasePathCheck.Problem(options.DatabasePath, output) is { } problem)
        {
            await output.WriteLineAsync($"Cannot use the database '{options.DatabasePath}': {problem}.");
            return 1;
        }

        await output.WriteLineAsync($"Database: {options.DatabasePath}");

        // The whole host: the engine, with every store in one SQLite file.
        var services = new ServiceCollection();
        services
            .AddIssueCore(o => o.Security.AllowDevelopmentKey = true) // a throw-away signing key; set Security.SigningKey in production
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = options.DatabasePath }.ToString());
        await using var provider = services.BuildServiceProvider();
        try
        {
            return await RunAsync(provider, output, Interactive(output), cancellationToken);
        }
        catch (Exception ex) when (ex is SqliteException or StorageException or IOException or UnauthorizedAccessException)
        {
            // What the path check could not foresee (a file locked by another program, a disk that filled up): one line.
            await output.WriteLineAsync($"Cannot use the database '{options.DatabasePath}': {ex.Message.Split('\n')[0].TrimEnd('.')}.");
            return 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools(); // release the file, so a caller can delete or reopen it at once
        }
    }

    private static async Task<int> RunAsync(ServiceProvider provider, TextWriter output, bool interactive, CancellationToken cancellationToken)
    {
        var app = provider.GetRequiredService<EnhanceApplication>();
        var issues = provider.GetRequiredService<IIssueStore>();
        var blueprints = provider.GetRequiredService<IBlueprintStore>();
        var log = provider.GetRequiredService<IEnhanceLogStore>();

        // 1. Seed, idempotently: the built-in enhance flow, its setting, and the first version of the series.
        await app.InstallDefaultFlowAsync(cancellationToken);
        var head = await TryReadHeadAsync(blueprints, cancellationToken);
        if (head is null)
        {
            head = (await blueprints.WriteNewAsync(SampleIssues.Target, SampleIssues.FirstVersion, [], new CommitMetadata("First version of the orders flow.", Origin: "seed"), cancellationToken)).Value;
            await output.WriteLineAsync($"Seeded '{SampleIssues.Target}' at {Short(head.Version)} ({head.VersionLabel}).");
        }
        else
        {
            await output.WriteLineAsync($"Series '{SampleIssues.Target}' already exists; head {Short(head.Version)} ({head.VersionLabel}).");
        }

        // 2. Ingest the next batch. Each batch has its own idempotency keys, so every run brings new issues.
        var batchNumber = 1;
        while (await issues.FindByIdempotencyKeyAsync(SampleIssues.BatchKey(batchNumber), cancellationToken) is not null)
        {
            batchNumber++;
        }

        var batch = SampleIssues.Batch(batchNumber);
        var ingested = new TextTable("Issue", "Intent", "Shows");
        var created = 0;
        foreach (var sample in batch)
        {
            var result = await app.HandleAsync(sample.Draft, cancellationToken);
            created += result.Created ? 1 : 0;
            ingested.Add(Short(result.Issue.Id), sample.Draft.Intent, sample.Shows);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"Ingested batch {batchNumber}: {created} new issue(s).");
        ingested.Write(output);

        // 3. Dispatch until nothing is claimable.
        await output.WriteLineAsync();
        var counts = await DispatchUntilIdleAsync(app, output, interactive, created, cancellationToken);
        await output.WriteLineAsync(counts.Total == 0
            ? "Nothing to do: the queue was already empty."
            : $"Dispatched {counts.Total}: {counts.Applied} applied, {counts.Rejected} rejected, {counts.Failed} failed, {counts.Waiting} waiting for a retry.");

        // 4. What happened: the version history and the enhance log of the series.
        await output.WriteLineAsync();
        await WriteHistoryAsync(blueprints, output, cancellationToken);
        await output.WriteLineAsync();
        await WriteLogAsync(log, output, cancellationToken);

        // 5. A person in the loop: one issue waits for approval, then is approved and committed.
        await output.WriteLineAsync();
        var approved = await ApprovalStep.RunAsync(app, provider.GetRequiredService<IEnhanceSettingStore>(), output, batchNumber, cancellationToken);

        if (counts.Waiting > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"{counts.Waiting} issue(s) hit a fault and wait for a retry; run the quickstart again to dispatch them.");
        }

        return counts.Failed == 0 && counts.Waiting == 0 && approved ? 0 : 1;
    }

    private static async Task<DispatchCounts> DispatchUntilIdleAsync(EnhanceApplication app, TextWriter output, bool interactive, int expected, CancellationToken cancellationToken)
    {
        var counts = new DispatchCounts();
        while (await app.TickAsync(cancellationToken) is { } outcome)
        {
            counts.Count(outcome.Result);
            var detail = outcome.Result switch
            {
                DispatchResult.Applied => $"applied as {Short(outcome.NewVersion!.Value)}",
                DispatchResult.Rejected => $"rejected: {outcome.Reason}",
                _ => $"{outcome.Result.ToString().ToLowerInvariant()}: {outcome.Reason}",
            };
            var line = string.Create(CultureInfo.InvariantCulture, $"Dispatching [{counts.Total}/{Math.Max(expected, counts.Total)}] issue {Short(outcome.IssueId)} {detail}");
            if (interactive)
            {
                // One progress line, rewritten in place.
                await output.WriteAsync($"\r{Fit(line, Console.WindowWidth - 1)}\u001b[K");
            }
            else
            {
                await output.WriteLineAsync(line);
            }
        }

        if (interactive && counts.Total > 0)
        {
            await output.WriteLineAsync();
        }

        return counts;
    }

    private static async Task WriteHistoryAsync(IBlueprintStore blueprints, TextWriter output, CancellationToken cancellationToken)
    {
        var history = await blueprints.HistoryAsync(SampleIssues.Target, TableLimit, cancellationToken);
        await output.WriteLineAsync($"Blueprint history of '{SampleIssues.Target}' (newest first{(history.Count == TableLimit ? $", the last {TableLimit}" : "")}):");
        var table = new TextTable("Version", "Label", "Parent", "Issue", "Committed", "Rationale");
        foreach (var commit in history)
        {
            var blueprint = (await blueprints.ReadVersionAsync(SampleIssues.Target, commit.Version, cancellationToken)).Value;
            table.Add(
                Short(commit.Version),
                blueprint.VersionLabel ?? "-",
                commit.Parents.Count == 0 ? "-" : string.Join(",", commit.Parents.Select(Short)),
                commit.Metadata.IssueId is { } issueId ? Short(issueId) : "-",
                commit.CommittedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                commit.Metadata.Rationale);
        }

        table.Write(output);
    }

    private static async Task WriteLogAsync(IEnhanceLogStore log, TextWriter output, CancellationToken cancellationToken)
    {
        var entries = new List<EnhanceLogEntry>();
        await foreach (var entry in log.ListByBlueprintAsync(SampleIssues.Target, cancellationToken))
        {
            entries.Add(entry);
        }

        var shown = entries.TakeLast(TableLimit).ToList();
        await output.WriteLineAsync($"Enhance log of '{SampleIssues.Target}' (oldest first, {shown.Count} of {entries.Count} entries):");
        var table = new TextTable("Time", "Issue", "Outcome", "From", "To", "Intent", "Why");
        foreach (var entry in shown)
        {
            table.Add(
                entry.Timestamp.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                Short(entry.IssueId),
                entry.Outcome.ToString().ToLowerInvariant(),
                entry.PreviousVersion is { } previous ? Short(previous) : "-",
                entry.NewVersion is { } next ? Short(next) : "-",
                entry.Intent,
                Why(entry));
        }

        table.Write(output);
    }

    private static string Why(EnhanceLogEntry entry)
    {
        // The first reason is the one that decided; the rest (axes not evaluated after a failed patch) is detail.
        if (entry.Reasons.Count > 0)
        {
            return entry.Reasons.Count == 1 ? entry.Reasons[0] : $"{entry.Reasons[0]} (+{entry.Reasons.Count - 1} more)";
        }

        return entry.Verdicts.Count == 0 ? "-" : $"passed {string.Join(", ", entry.Verdicts.Select(v => v.Axis))}";
    }

    private static async Task<Blueprint?> TryReadHeadAsync(IBlueprintStore blueprints, CancellationToken cancellationToken)
    {
        try
        {
            return (await blueprints.ReadHeadAsync(SampleIssues.Target, cancellationToken)).Value;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private static string DefaultDatabasePath()
    {
        var directory = typeof(QuickstartApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "QuickstartDirectory")?.Value;
        return Path.Combine(directory is not null && Directory.Exists(directory) ? directory : Environment.CurrentDirectory, "issuecore.db");
    }

    private static bool Interactive(TextWriter output)
        => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    private static string Fit(string text, int width)
        => width > 1 && text.Length > width ? string.Concat(text.AsSpan(0, width - 1), "…") : text;

    private static string Short(BlueprintVersion version) => version.Value[..12];

    private static string Short(IssueId id) => id.Value.Length > 8 ? id.Value[..8] : id.Value;
}
