using System.Net;
using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IssueCore.AspNetCore.Tests.Operator;

/// <summary>
/// Measures allocation per page with <see cref="GC.GetTotalAllocatedBytes(bool)"/>, which counts every thread of the
/// process, so it runs alone: a test of another class allocating at the same moment would be charged to a page.
/// </summary>
[Collection(AllocationMeasuringCollection.Name)]
public sealed class OperatorPagingScaleTests(ITestOutputHelper output)
{
    private const int Count = 10_000;
    private const int PageSize = 1_000;

    [Fact]
    public async Task Every_list_endpoint_pages_through_ten_thousand_items_reading_only_each_page_from_the_store()
    {
        var counter = new YieldCounter();
        await using var server = await OperatorServer.StartAsync(s =>
        {
            Decorate<IBlueprintStore>(s, inner => new CountingBlueprintStore(inner, counter));
            Decorate<IEnhanceLogStore>(s, inner => new CountingEnhanceLogStore(inner, counter));
            Decorate<ICouncilRepository>(s, inner => new CountingCouncilRepository(inner, counter));
        });
        var run = CouncilRunId.New();
        var now = DateTimeOffset.UnixEpoch;
        await server.Runs.CreateRunAsync(new CouncilRun { Id = run, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now });
        var empty = JsonDocument.Parse("{}").RootElement.Clone();
        for (var i = 0; i < Count; i += 500)
        {
            await server.Runs.AppendEventsAsync([.. Enumerable.Range(0, 500).Select(_ => new CouncilRunEventDraft(run, 0, "tick", null, empty))]);
        }

        for (var i = 1; i < Count; i++)
        {
            await server.Runs.CreateRunAsync(new CouncilRun { Id = CouncilRunId.New(), FlowId = "f", Status = CouncilRunStatus.Completed, CreatedAt = now.AddSeconds(i), UpdatedAt = now });
        }

        var head = await server.Blueprints.WriteNewAsync(OperatorServer.Orders, OperatorServer.OrdersV1, [], new CommitMetadata("seed", Origin: "seed"));
        for (var i = 1; i < Count; i++)
        {
            head = await server.Blueprints.WriteNewAsync(OperatorServer.Orders, OperatorServer.With(OperatorServer.OrdersV1, "team-" + i, "1.0.0"), [head.Value.Version], new CommitMetadata("step"));
            await server.Log.AppendAsync(new EnhanceLogEntry
            {
                IssueId = IssueId.Parse("issue:" + i),
                BlueprintId = OperatorServer.Orders,
                Intent = "i",
                Rationale = "r",
                Outcome = EnhanceOutcome.Rejected,
                Timestamp = now.AddSeconds(i),
            });
        }

        await server.Log.AppendAsync(new EnhanceLogEntry { IssueId = IssueId.Parse("issue:0"), BlueprintId = OperatorServer.Orders, Intent = "i", Rationale = "r", Outcome = EnhanceOutcome.Rejected, Timestamp = now });
        for (var i = 1; i < Count; i++)
        {
            await server.Blueprints.WriteNewAsync(BlueprintId.Parse($"series-{i:D5}"), OperatorServer.OrdersV1, [], new CommitMetadata("seed"));
        }

        foreach (var (path, key) in new[]
        {
            ($"/runs/{run}/events", "sequence"),
            ("/runs", "run_id"),
            ("/blueprints/orders/history", "version"),
            ("/enhance-log", "issue_id"),
            ("/blueprints/orders/enhance-log", "issue_id"),
            ("/blueprints", "blueprint_id"),
        })
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pages = 0;
            string? page = null;
            var largestBody = 0;
            var yields = new List<long>();
            var allocations = new List<long>();
            GC.Collect();
            var workingSetBefore = Environment.WorkingSet;
            do
            {
                var yieldedBefore = counter.Total;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var response = await server.Client.SendAsync(OperatorServer.Request(HttpMethod.Get, $"{path}?limit={PageSize}" + (page is null ? string.Empty : "&page=" + Uri.EscapeDataString(page))));
                var text = await response.Content.ReadAsStringAsync();
                allocations.Add(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
                yields.Add(counter.Total - yieldedBefore);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var body = JsonDocument.Parse(text);
                var items = body.RootElement.GetProperty("items");
                Assert.InRange(items.GetArrayLength(), 1, PageSize);
                foreach (var item in items.EnumerateArray())
                {
                    Assert.True(seen.Add(item.GetProperty(key).ToString()), $"{path}: {item.GetProperty(key)} twice");
                }

                largestBody = Math.Max(largestBody, text.Length);
                page = body.RootElement.GetProperty("next_page").GetString();
                pages++;
            }
            while (page is not null);

            Assert.True(seen.Count == Count, $"{path}: {seen.Count} items");
            Assert.Equal(Count / PageSize, pages);
            Assert.True(largestBody < PageSize * 4096, $"{path}: a page of {largestBody} bytes");

            // Keyset paging: the store starts each page after the cursor's key, so every page reads at most the page and
            // one more item (to learn that another page follows), however deep into the list it is.
            for (var i = 0; i < yields.Count; i++)
            {
                Assert.True(yields[i] <= PageSize + 1, $"{path}: page {i + 1} read {yields[i]} items from the store");
            }

            var workingSetAfter = Environment.WorkingSet;
            output.WriteLine(
                $"{path}: {pages} pages of {PageSize}; store items read per page {yields.Min()}..{yields.Max()}; " +
                $"allocated per page first {allocations[0] / 1024} KiB, last {allocations[^1] / 1024} KiB, max {allocations.Max() / 1024} KiB; " +
                $"working set {workingSetBefore / (1024 * 1024)} -> {workingSetAfter / (1024 * 1024)} MiB");

            // Generous bound: a page of 1,000 items allocates a few MiB (bodies, JSON); the last page allocates no more
            // than several times the first, because nothing is read or kept for the pages before it.
            Assert.True(allocations.Max() < 256L * 1024 * 1024, $"{path}: a page allocated {allocations.Max()} bytes");
            Assert.True(allocations[^1] < 10 * allocations[0] + 1024 * 1024, $"{path}: the last page allocated {allocations[^1]} bytes, the first {allocations[0]}");
        }
    }

    private static void Decorate<TPort>(IServiceCollection services, Func<TPort, TPort> wrap)
        where TPort : class
    {
        var descriptor = services.Last(d => d.ServiceType == typeof(TPort) && !d.IsKeyedService);
        services.Remove(descriptor);
        services.AddSingleton(sp => wrap(
            (TPort)(descriptor.ImplementationInstance
                    ?? descriptor.ImplementationFactory?.Invoke(sp)
                    ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!))));
    }
}
