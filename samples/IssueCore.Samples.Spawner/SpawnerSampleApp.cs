using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Spawner;

/// <summary>The sample itself; <c>Program</c> only wires Ctrl+C to it.</summary>
internal static class SpawnerSampleApp
{
    public static readonly BlueprintId Target = BlueprintId.Parse("orders");

    public static readonly Blueprint FirstVersion = Blueprint.Parse("""
        {"id":"orders","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 42}"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);

    /// <summary>Runs the sample; 0 when the intent-only issue was applied.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var database = args.Count == 2 && args[0] == "--db" ? Path.GetFullPath(args[1]) : args.Count == 0 ? null : string.Empty;
        if (database == string.Empty)
        {
            await output.WriteLineAsync("usage: IssueCore.Samples.Spawner [--db <path>]   (default: a new database in a temporary folder)");
            return 2;
        }

        database ??= Path.Combine(Directory.CreateTempSubdirectory("issuecore-spawner-").FullName, "spawner.db");
        await output.WriteLineAsync($"Database: {database}");

        var services = new ServiceCollection();
        services
            .AddIssueCore(o => o.Security.AllowDevelopmentKey = true) // a throw-away signing key; set Security.SigningKey in production
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = database }.ToString());
        services.AddIssueCoreIngestion();
        services.AddIssueCorePatchSpawner<HandOverSpawner>(); // issues without a patch go to this spawner
        try
        {
            await using var provider = services.BuildServiceProvider();
            return await RunAsync(provider, output, cancellationToken);
        }
        finally
        {
            SqliteConnection.ClearAllPools(); // release the file
        }
    }

    private static async Task<int> RunAsync(ServiceProvider provider, TextWriter output, CancellationToken cancellationToken)
    {
        var app = provider.GetRequiredService<EnhanceApplication>();
        var blueprints = provider.GetRequiredService<IBlueprintStore>();
        await app.InstallDefaultFlowAsync(cancellationToken);
        try
        {
            await blueprints.ReadHeadAsync(Target, cancellationToken);
        }
        catch (NotFoundException)
        {
            await blueprints.WriteNewAsync(Target, FirstVersion, [], new CommitMetadata("First version.", Origin: "seed"), cancellationToken);
        }

        var before = (await blueprints.ReadHeadAsync(Target, cancellationToken)).Value;
        await output.WriteLineAsync($"Head of '{Target}': {before.Version.Short} ({before.VersionLabel}), owner {Owner(before)}.");

        // What an emitter sends: a title, a description, a target, no patch.
        var ingested = await provider.GetRequiredService<IIssueIngestionService>().IngestAsync(
            new IngestionRequest
            {
                Title = "Hand orders over to team-b",
                Description = "team-a moves to payments; team-b takes over the orders flow.",
                TargetRepo = Target.Value,
                Priority = IssuePriority.Medium,
                SourceType = IssueSourceType.Instruction,
                SourceId = "reorg-2026",
                TriggeringEventId = "reorg-2026:" + before.Version.Value,
                ActivityDefinitionId = "hand-over",
            },
            cancellationToken: cancellationToken);
        await output.WriteLineAsync($"Ingested issue {ingested.IssueId} (no patch).");

        DispatchOutcome? last = null;
        while (await app.TickAsync(cancellationToken) is { } outcome)
        {
            last = outcome;
            await output.WriteLineAsync($"Dispatched {outcome.IssueId}: {outcome.Result}{(outcome.Reason is null ? string.Empty : " (" + outcome.Reason + ")")}.");
        }

        var after = (await blueprints.ReadHeadAsync(Target, cancellationToken)).Value;
        await output.WriteLineAsync($"Head of '{Target}': {after.Version.Short} ({after.VersionLabel}), owner {Owner(after)}.");
        var entry = await provider.GetRequiredService<IEnhanceLogStore>().FindAsync(ingested.IssueId, cancellationToken);
        if (entry is not null)
        {
            await output.WriteLineAsync($"Enhance log: {entry.Outcome}; rationale: {entry.Rationale}; axes: {string.Join(", ", entry.Verdicts.Select(v => $"{v.Axis}={v.Status}"))}.");
        }

        var issue = await provider.GetRequiredService<IIssueStore>().GetAsync(ingested.IssueId, cancellationToken);
        return issue.Status.State == IssueState.Applied ? 0 : 1;
    }

    private static string Owner(Blueprint blueprint)
        => blueprint.Root.TryGetProperty("metadata", out var m) && m.TryGetProperty("owner", out var o) ? o.GetString() ?? "?" : "nobody";
}
