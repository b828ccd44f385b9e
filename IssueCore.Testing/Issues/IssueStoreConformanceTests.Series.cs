using IssueCore.Blueprints;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

/// <summary>Series affinity of <see cref="IIssueStore.ClaimNextBySeriesAsync"/>.</summary>
public abstract partial class IssueStoreConformanceTests
{
#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Claim_by_series_skips_a_series_that_holds_a_live_lease()
    {
        var orders = BlueprintId.Parse("orders");
        var billing = BlueprintId.Parse("billing");
        var o1 = (await Store.CreateAsync(new IssueDraft { BlueprintId = orders, Intent = "o1" })).Issue.Id;
        var o2 = (await Store.CreateAsync(new IssueDraft { BlueprintId = orders, Intent = "o2", Priority = IssuePriority.High })).Issue.Id;
        var b1 = (await Store.CreateAsync(new IssueDraft { BlueprintId = billing, Intent = "b1" })).Issue.Id;

        var first = await Store.ClaimNextBySeriesAsync("d1", Lease);
        var second = await Store.ClaimNextBySeriesAsync("d2", Lease);
        var third = await Store.ClaimNextBySeriesAsync("d3", Lease);

        Contract.Equal(o2, first!.Id, "claim by series skips a series that holds a live lease (checked: first!.Id)");
        Contract.Equal(b1, second!.Id, "claim by series skips a series that holds a live lease (checked: second!.Id)");
        Contract.Null(third, "claim by series skips a series that holds a live lease (checked: third)");

        // Finishing the running issue frees its series.
        await Store.CompleteUnderLeaseAsync(IssueLease.Of(first), IssueStatus.Rejected("done"));
        Contract.Equal(o1, (await Store.ClaimNextBySeriesAsync("d3", Lease))!.Id, "claim by series skips a series that holds a live lease (checked: (await Store.ClaimNextBySeriesAsync(\"d3\", Lease))!.Id)");
    }

    [Fact]
    public async Task Claim_by_series_frees_a_series_whose_lease_expired()
    {
        var orders = BlueprintId.Parse("orders");
        var o1 = (await Store.CreateAsync(new IssueDraft { BlueprintId = orders, Intent = "o1" })).Issue.Id;
        var o2 = (await Store.CreateAsync(new IssueDraft { BlueprintId = orders, Intent = "o2" })).Issue.Id;
        Contract.Equal(o1, (await Store.ClaimNextBySeriesAsync("d1", Lease))!.Id, "claim by series frees a series whose lease expired (checked: (await Store.ClaimNextBySeriesAsync(\"d1\", Lease))!.Id)");
        Contract.Null(await Store.ClaimNextBySeriesAsync("d2", Lease), "claim by series frees a series whose lease expired (checked: await Store.ClaimNextBySeriesAsync(\"d2\", Lease))");

        Time.Advance(Lease);

        // The expired issue comes first again (creation order), and then the series is held once more.
        var reclaimed = await Store.ClaimNextBySeriesAsync("d2", Lease);
        Contract.Equal(o1, reclaimed!.Id, "claim by series frees a series whose lease expired (checked: reclaimed!.Id)");
        Contract.Equal(2, reclaimed.Attempts, "claim by series frees a series whose lease expired (checked: reclaimed.Attempts)");
        Contract.Null(await Store.ClaimNextBySeriesAsync("d3", Lease), "claim by series frees a series whose lease expired (checked: await Store.ClaimNextBySeriesAsync(\"d3\", Lease))");
        await Store.ReleaseUnderLeaseAsync(IssueLease.Of(reclaimed), Time.GetUtcNow() + TimeSpan.FromMinutes(1), "later");
        Contract.Equal(o2, (await Store.ClaimNextBySeriesAsync("d3", Lease))!.Id, "claim by series frees a series whose lease expired (checked: (await Store.ClaimNextBySeriesAsync(\"d3\", Lease))!.Id)");
    }

    [Fact]
    public async Task Claim_by_series_gives_each_of_many_concurrent_claimers_a_different_series()
    {
        for (var s = 0; s < 4; s++)
        {
            for (var i = 0; i < 5; i++)
            {
                await Store.CreateAsync(new IssueDraft { BlueprintId = BlueprintId.Parse($"series-{s}"), Intent = $"{s}/{i}" });
            }
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.ClaimNextBySeriesAsync($"d{i}", Lease))));
        var claimed = claims.Where(c => c is not null).Select(c => c!).ToList();

        // A claimer may find nothing while the others are mid-claim; afterwards the rest is claimed one by one.
        while (await Store.ClaimNextBySeriesAsync("late", Lease) is { } late)
        {
            claimed.Add(late);
        }

        Contract.Equal(4, claimed.Count, "claim by series gives each of many concurrent claimers a different series (checked: claimed.Count)");
        Contract.Equal(4, claimed.Select(c => c.BlueprintId).Distinct().Count(), "claim by series gives each of many concurrent claimers a different series (checked: claimed.Select(c => c.BlueprintId).Distinct().Count())");
    }

#pragma warning restore CS1591
}
