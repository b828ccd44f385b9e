using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.DependencyInjection;

public sealed class UsePostgresTests : IAsyncLifetime
{
    private readonly PostgresTestSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task UsePostgres_serves_every_port_over_one_data_source()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .UsePostgres(o =>
            {
                o.ConnectionString = _schema.ConnectionString;
                o.Schema = _schema.Name;
            });
        await using var provider = services.BuildServiceProvider();

        var issues = provider.GetRequiredService<IIssueStore>();
        var database = provider.GetRequiredService<PostgresDatabase>();
        var created = await issues.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("b"), Intent = "via DI" });

        Assert.IsType<PostgresIssueStore>(issues);
        Assert.IsType<PostgresBlueprintStore>(provider.GetRequiredService<IBlueprintStore>());
        Assert.IsType<PostgresEnhanceSettingStore>(provider.GetRequiredService<IEnhanceSettingStore>());
        Assert.IsType<PostgresEnhanceLogStore>(provider.GetRequiredService<IEnhanceLogStore>());
        Assert.IsType<PostgresCouncilRepository>(provider.GetRequiredService<ICouncilRepository>());
        Assert.Same(database, provider.GetRequiredService<PostgresDatabase>());
        Assert.Equal(time.GetUtcNow(), created.Issue.CreatedAt);
        Assert.Single(services, d => d.ServiceType == typeof(IIssueStore));
    }

    [Fact]
    public async Task UsePostgres_keeps_the_time_provider_lease_clock_it_was_given()
    {
        // Far from the server's clock: a lease set by the server would expire decades before this clock's "now".
        var time = new FakeTimeProvider(new DateTimeOffset(2090, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .UsePostgres(o =>
            {
                o.ConnectionString = _schema.ConnectionString;
                o.Schema = _schema.Name;
                o.LeaseClock = PostgresLeaseClock.TimeProvider;
            });
        await using var provider = services.BuildServiceProvider();
        var issues = provider.GetRequiredService<IIssueStore>();
        await issues.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("b"), Intent = "leased by the application clock" });

        var claimed = await issues.ClaimNextAsync("worker", TimeSpan.FromMinutes(5));

        Assert.NotNull(claimed);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(5), claimed.LeaseExpiresAt);
    }

    [Fact]
    public void UsePostgres_refuses_a_missing_connection_string_or_a_bad_schema_at_registration()
    {
        var services = new ServiceCollection();

        Assert.ThrowsAny<ArgumentException>(() => services.UsePostgres(" "));
        Assert.Throws<ValidationException>(() => services.UsePostgres(o =>
        {
            o.ConnectionString = _schema.ConnectionString;
            o.Schema = "no spaces allowed";
        }));
    }
}
