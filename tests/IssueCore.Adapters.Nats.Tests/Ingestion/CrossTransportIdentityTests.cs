using IssueCore.Ingestion;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace IssueCore.Adapters.Nats.Tests.Ingestion;

/// <summary>
/// One event is one issue whatever the transport. The other transport here is the call the HTTP endpoint makes for
/// <c>POST /issues/</c> with an <c>Idempotency-Key</c> header (the same service, the same store).
/// </summary>
public sealed class CrossTransportIdentityTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Fact]
    public async Task An_event_over_nats_then_over_http_with_its_key_header_is_one_issue()
    {
        await using var topology = await NatsTestTopology.CreateAsync();
        var published = await topology.PublishAsync(topology.CreateSubject("activity-core"), TestRequests.Json("event-nats-first"));
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(published.Seq);
        await host.StopAsync();

        var overHttp = await topology.Ingestion.IngestTransportJsonAsync(TestRequests.Json("event-nats-first"), new IngestionContext { IdempotencyKey = "event-nats-first" });

        Assert.False(overHttp.Created);
        var issue = Assert.Single(await topology.AllIssuesAsync());
        Assert.Equal(issue.Id, overHttp.IssueId);
        Assert.Equal("activity-core", issue.TargetRepo);
    }

    [Fact]
    public async Task An_event_over_http_then_over_nats_is_one_issue_and_a_differing_key_header_is_refused()
    {
        await using var topology = await NatsTestTopology.CreateAsync();
        var overHttp = await topology.Ingestion.IngestTransportJsonAsync(TestRequests.Json("event-http-first"), new IngestionContext { IdempotencyKey = "event-http-first" });
        await Assert.ThrowsAsync<ValidationException>(() => topology.Ingestion.IngestTransportJsonAsync(TestRequests.Json("event-http-first"), new IngestionContext { IdempotencyKey = "some-other-key" }));

        var published = await topology.PublishAsync(topology.CreateSubject("activity-core"), TestRequests.Json("event-http-first"));
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(published.Seq);
        await host.StopAsync();

        Assert.True(overHttp.Created);
        Assert.Equal(overHttp.IssueId, Assert.Single(await topology.AllIssuesAsync()).Id);
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.DeadLetterStreamName)).Messages);
    }

    [Fact]
    public async Task A_traceparent_message_header_is_stored_with_the_issue()
    {
        await using var topology = await NatsTestTopology.CreateAsync();
        var headers = new NatsHeaders { ["traceparent"] = TraceParent };
        var ack = await topology.Js.PublishAsync(topology.CreateSubject("activity-core"), TestRequests.Json("event-traced"), NatsRawSerializer<byte[]>.Default, headers: headers);
        Assert.Null(ack.Error);
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(ack.Seq);
        await host.StopAsync();

        Assert.Equal(TraceParent, Assert.Single(await topology.AllIssuesAsync()).TraceParent);
    }
}
