using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Schema;

public sealed class ApprovalUpgradeTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_schema_at_version_5_upgrades_in_place_keeping_its_rows_and_then_parks_an_issue_for_approval()
    {
        await _schema.ExecuteAsync("CREATE SCHEMA {schema}; CREATE TABLE {schema}.schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);");
        var names = new[] { "0001_initial", "0002_council_run_owner", "0003_claim_by_series", "0004_requeue", "0005_blueprint_ids_ordinal" };
        for (var i = 0; i < names.Length; i++)
        {
            await _schema.ExecuteAsync(ReadMigration(names[i]));
            await _schema.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO {{schema}}.schema_migrations VALUES ({i + 1}, '{names[i]}', now())"));
        }

        // Rows as the code of schema 4 writes them.
        await _schema.ExecuteAsync(
            "INSERT INTO {schema}.issues (id, blueprint_id, intent, bump, title, priority, labels, state, attempts, created_at, updated_at) "
            + "VALUES ('issue:pending', 'orders', 'change it', 0, '', 1, '{}', 0, 0, now(), now());"
            + "INSERT INTO {schema}.issues (id, blueprint_id, intent, bump, title, priority, labels, state, reason, attempts, created_at, updated_at) "
            + "VALUES ('issue:old', 'orders', 'change it', 0, '', 1, '{}', 3, 'des: denied', 1, now(), now());"
            + "INSERT INTO {schema}.enhance_log (issue_id, blueprint_id, intent, rationale, verdicts, outcome, reasons, logged_at) "
            + "VALUES ('issue:old', 'orders', 'change it', 'r', '[]', 1, '{\"des: denied\"}', now());"
            + "INSERT INTO {schema}.enhance_settings (id, setting, updated_at) VALUES ('default', "
            + "'{\"orbit_blueprint_id\":\"enhance-default\",\"selector\":{\"kind\":\"latest\"},\"ttl_ticks\":600000000,\"verifier_axes\":[\"des\"]}', now());");

        var database = _schema.NewDatabase(_time);
        IIssueStore issues = new PostgresIssueStore(database);
        IEnhanceLogStore log = new PostgresEnhanceLogStore(database);
        IEnhanceSettingStore settings = new PostgresEnhanceSettingStore(database);

        var old = await log.GetAsync(IssueId.Parse("issue:old"));
        Assert.Equal(PostgresSchema.LatestVersion, await _schema.ScalarAsync<int>("SELECT max(version) FROM {schema}.schema_migrations"));
        Assert.Null(old.Approver);
        Assert.Null(old.ApprovalNote);
        Assert.False((await settings.GetAsync(EnhanceSettingId.Default)).RequireApproval);
        Assert.Equal(IssueStatus.Rejected("des: denied"), (await issues.GetAsync(IssueId.Parse("issue:old"))).Status);

        var claimed = await issues.ClaimNextAsync("w1", TimeSpan.FromMinutes(1));
        Assert.Equal(IssueId.Parse("issue:pending"), claimed!.Id);
        await issues.AwaitApprovalUnderLeaseAsync(IssueLease.Of(claimed), new IssueApproval
        {
            IssueId = claimed.Id,
            PreviousVersion = BlueprintVersion.Parse(new string('a', 64)),
            Proposed = Blueprint.Parse("""{"id":"orders","limits":{"max":10}}"""),
            Rationale = "r",
            EpochStartedAt = _time.GetUtcNow(),
            RequestedAt = _time.GetUtcNow(),
            ExpiresAt = _time.GetUtcNow().AddDays(7),
        });

        Assert.Equal(claimed.Id, Assert.Single((await issues.ListAsync(new IssueQuery { State = IssueState.AwaitingApproval })).Items).Id);
        Assert.Null(await issues.ClaimNextAsync("w2", TimeSpan.FromMinutes(1)));
    }

    private static string ReadMigration(string name)
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream($"IssueCore.Adapters.Postgres.Migrations.{name}.sql")
            ?? throw new InvalidOperationException($"No embedded migration '{name}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
