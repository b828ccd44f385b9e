using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Xunit.Abstractions;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.AspNetCore.Tests;

public sealed class IngestionFuzzTests(ITestOutputHelper output)
{
    private const int Bodies = 10_000;

    [Fact]
    public async Task Ten_thousand_invalid_bodies_get_only_4xx_the_server_stays_up_and_nothing_is_stored()
    {
        // Arrange: bodies are generated up front from a fixed seed, so a failure reproduces.
        await using var server = await IssueCoreServer.StartAsync();
        var generator = new InvalidBodyGenerator(seed: 20261123);
        var bodies = Enumerable.Range(0, Bodies).Select(generator.Next).ToList();
        var statuses = new ConcurrentDictionary<(string Kind, int Status), int>();
        var unexpected = new ConcurrentQueue<string>();

        // Act: one HttpClient, bounded parallelism.
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, cancellationToken) =>
        {
            using var request = IssueCoreServer.Post(item.Body);
            using var response = await server.Client.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            statuses.AddOrUpdate((item.Kind, status), 1, (_, n) => n + 1);
            if (status is < 400 or >= 500)
            {
                unexpected.Enqueue($"{item.Kind} -> {status}: {Convert.ToBase64String(item.Body.AsSpan(0, Math.Min(item.Body.Length, 300)))}");
            }
        });

        // Assert
        foreach (var ((kind, status), count) in statuses.OrderBy(p => p.Key))
        {
            output.WriteLine($"{kind,-13} {status} x{count}");
        }

        Assert.Empty(unexpected);
        Assert.Equal(Bodies, statuses.Values.Sum());
        Assert.Equal(0, await server.CountAsync());
        foreach (var kind in InvalidBodyGenerator.Kinds)
        {
            Assert.Contains(statuses.Keys, k => k.Kind == kind);
        }

        Assert.Contains(statuses.Keys, k => k.Status == 400);
        Assert.Contains(statuses.Keys, k => k.Status == 413);
        Assert.Contains(statuses.Keys, k => k.Status == 422);

        using var valid = await server.Client.SendAsync(IssueCoreServer.Post(IssueCoreServer.ValidJson));
        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
    }

    [Fact]
    public async Task Generated_valid_objects_are_accepted_so_the_generator_corrupts_real_requests()
    {
        // Guards the fuzz test against vacuity: the base objects it corrupts must themselves be valid.
        var generator = new InvalidBodyGenerator(seed: 7);
        using var provider = new ServiceCollection().AddIssueCoreIngestion(o => o.RequireExistingSeries = false).UseInMemory().BuildServiceProvider();
        var ingestion = provider.GetRequiredService<IIssueIngestionService>();

        for (var i = 0; i < 200; i++)
        {
            var result = await ingestion.IngestJsonAsync(Encoding.UTF8.GetBytes(generator.ValidObject().ToJsonString()));
            Assert.True(result.Created);
        }
    }
}
