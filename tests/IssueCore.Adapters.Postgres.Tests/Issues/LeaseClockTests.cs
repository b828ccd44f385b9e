using IssueCore.Blueprints;
using IssueCore.Issues;
using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Adapters.Postgres.Tests.Issues;

public sealed class LeaseClockTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private readonly PostgresTestSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task A_host_whose_clock_runs_an_hour_ahead_cannot_claim_a_live_lease()
    {
        var now = TimeProvider.System.GetUtcNow();
        var honest = new PostgresIssueStore(await _schema.CreateDatabaseAsync(new FakeTimeProvider(now), PostgresLeaseClock.Database));
        var ahead = new PostgresIssueStore(_schema.NewDatabase(new FakeTimeProvider(now + TimeSpan.FromHours(1)), leaseClock: PostgresLeaseClock.Database));
        await honest.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "change" });

        var claimed = await honest.ClaimNextAsync("honest", Lease);
        var stolen = await ahead.ClaimNextAsync("ahead", Lease);
        var stolenBySeries = await ahead.ClaimNextBySeriesAsync("ahead", Lease);

        Assert.NotNull(claimed);
        Assert.Null(stolen);
        Assert.Null(stolenBySeries);
        Assert.Equal("honest", (await ahead.FindAsync(claimed.Id))!.LeaseOwner);
    }

    [Fact]
    public async Task A_host_whose_clock_runs_behind_gets_a_lease_timed_by_the_server()
    {
        var now = TimeProvider.System.GetUtcNow();
        var behind = new PostgresIssueStore(await _schema.CreateDatabaseAsync(new FakeTimeProvider(now - TimeSpan.FromDays(30)), PostgresLeaseClock.Database));
        await behind.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "change" });

        var claimed = await behind.ClaimNextAsync("behind", Lease);

        // The server's clock, not the host's: within a day of real time (the skew is thirty days).
        Assert.InRange(claimed!.LeaseExpiresAt!.Value, now, now + TimeSpan.FromDays(1));
        var renewed = await behind.RenewUnderLeaseAsync(IssueLease.Of(claimed), Lease);
        Assert.InRange(renewed.LeaseExpiresAt!.Value, now, now + TimeSpan.FromDays(1));
    }
}
