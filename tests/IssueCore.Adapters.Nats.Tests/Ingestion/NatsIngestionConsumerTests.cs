using System.Text;
using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Ingestion;
using NSubstitute;

namespace IssueCore.Adapters.Nats.Tests.Ingestion;

public sealed class NatsIngestionConsumerTests
{
    [Fact]
    public async Task Thousand_requests_with_ten_percent_duplicates_create_exactly_the_distinct_issues()
    {
        // Arrange: 900 distinct requests and 100 repeats. Half the repeats carry the same Nats-Msg-Id
        // (JetStream drops them), half carry none (stored, so ingestion must deduplicate them).
        await using var topology = await NatsTestTopology.CreateAsync();
        var subject = topology.CreateSubject("activity-core");
        var distinct = Enumerable.Range(0, 900).Select(i => $"event-{i:D4}").ToArray();
        var published = 0;
        var droppedByServer = 0;
        ulong last = 0;
        for (var i = 0; i < distinct.Length; i++)
        {
            last = (await topology.PublishAsync(subject, TestRequests.Json(distinct[i]), distinct[i])).Seq;
            published++;
            if (i % 9 == 8)
            {
                if ((i / 9) % 2 == 0)
                {
                    var repeat = await topology.PublishAsync(subject, TestRequests.Json(distinct[i]), distinct[i]);
                    Assert.True(repeat.Duplicate);
                    droppedByServer++;
                }
                else
                {
                    last = (await topology.PublishAsync(subject, TestRequests.Json(distinct[i]))).Seq;
                }

                published++;
            }
        }

        Assert.Equal(1000, published);

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(last);
        await host.StopAsync();

        // Assert
        var issues = await topology.AllIssuesAsync();
        Assert.Equal(distinct, issues.Select(issue => issue.IdempotencyKey).Order(StringComparer.Ordinal));
        Assert.Equal((long)(published - droppedByServer), (await topology.StreamStateAsync(topology.Options.StreamName)).Messages);
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.DeadLetterStreamName)).Messages);
    }

    [Fact]
    public async Task One_event_published_twice_with_different_message_ids_creates_one_issue()
    {
        // Arrange: a publisher that sets its own Nats-Msg-Id on every publish, so JetStream stores both.
        await using var topology = await NatsTestTopology.CreateAsync();
        var subject = topology.CreateSubject("activity-core");
        var first = await topology.PublishAsync(subject, TestRequests.Json("event-twice"), "publish-1");
        var second = await topology.PublishAsync(subject, TestRequests.Json("event-twice"), "publish-2");
        Assert.False(second.Duplicate);

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(second.Seq);
        await host.StopAsync();

        // Assert: one issue, keyed by the body's triggering_event_id.
        Assert.NotEqual(first.Seq, second.Seq);
        var issue = Assert.Single(await topology.AllIssuesAsync());
        Assert.Equal("event-twice", issue.IdempotencyKey);
        Assert.Equal(2L, (await topology.StreamStateAsync(topology.Options.StreamName)).Messages);
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.DeadLetterStreamName)).Messages);
    }

    [Fact]
    public async Task A_message_id_that_is_no_valid_idempotency_key_does_not_stop_a_valid_request()
    {
        // Arrange: message ids with spaces and commas, and one longer than an idempotency key may be.
        await using var topology = await NatsTestTopology.CreateAsync();
        var subject = topology.CreateSubject("activity-core");
        await topology.PublishAsync(subject, TestRequests.Json("odd-id-1"), "order 42, retry 1");
        var last = (await topology.PublishAsync(subject, TestRequests.Json("odd-id-2"), new string('m', 250))).Seq;

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(last);
        await host.StopAsync();

        // Assert
        var issues = await topology.AllIssuesAsync();
        Assert.Equal(["odd-id-1", "odd-id-2"], issues.Select(issue => issue.IdempotencyKey).Order(StringComparer.Ordinal));
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.DeadLetterStreamName)).Messages);
    }

    [Fact]
    public async Task Stopping_the_consumer_mid_stream_and_restarting_it_loses_and_duplicates_nothing()
    {
        // Arrange: a short ack wait so messages the first consumer had buffered come back quickly.
        await using var topology = await NatsTestTopology.CreateAsync(o =>
        {
            o.AckWait = TimeSpan.FromSeconds(1);
            o.NakDelay = TimeSpan.Zero;
            o.BatchSize = 50;
        });
        var subject = topology.CreateSubject("activity-core");
        var ids = Enumerable.Range(0, 600).Select(i => $"restart-{i:D4}").ToArray();
        ulong last = 0;
        foreach (var id in ids)
        {
            last = (await topology.PublishAsync(subject, TestRequests.Json(id), id)).Seq;
        }

        // Act: the first consumer ingests 200, is stopped while holding the 201st, then a second one takes over.
        var gate = new GatedIngestion(topology.Ingestion, allowed: 200);
        using (var first = topology.BuildConsumerHost(gate))
        {
            await first.StartAsync();
            await gate.Blocked.WaitAsync(TimeSpan.FromSeconds(60), TimeProvider.System);
            await first.StopAsync();
        }

        var afterStop = await topology.AllIssuesAsync();
        using var second = topology.BuildConsumerHost();
        await second.StartAsync();
        await topology.AllSettledAsync(last);
        await second.StopAsync();

        // Assert
        Assert.Equal(200, afterStop.Count);
        var issues = await topology.AllIssuesAsync();
        Assert.Equal(ids.Length, issues.Count);
        Assert.Equal(ids, issues.Select(issue => issue.IdempotencyKey).Order(StringComparer.Ordinal));
        Assert.Equal(issues.Count, issues.Select(issue => issue.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_request_whose_ingestion_keeps_failing_is_dead_lettered_after_five_deliveries()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync(o =>
        {
            o.AckWait = TimeSpan.FromSeconds(1);
            o.NakDelay = TimeSpan.FromMilliseconds(50);
        });
        var failing = Substitute.For<IIssueIngestionService>();
        failing.IngestJsonAsync(Arg.Any<ReadOnlyMemory<byte>>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(_ => Task.FromException<IngestionResult>(new StorageException("The issue store is unavailable.")));
        var subject = topology.CreateSubject("activity-core");
        var body = TestRequests.Json("stuck-1");
        var sequence = (await topology.PublishAsync(subject, body, "stuck-1")).Seq;

        // Act
        using var host = topology.BuildConsumerHost(failing);
        await host.StartAsync();
        var deadLetters = await topology.DeadLettersAsync(1);
        await topology.AllSettledAsync(sequence);
        await host.StopAsync();

        // Assert
        Assert.Equal(5, failing.ReceivedCalls().Count());
        var deadLetter = Assert.Single(deadLetters);
        Assert.Equal(topology.Options.DeadLetterSubjectPrefix + ".create.activity-core", deadLetter.Subject);
        Assert.Equal(body, deadLetter.Data);
        var headers = deadLetter.Headers!;
        Assert.Equal(NatsDeadLetterHeaders.KindExhausted, headers[NatsDeadLetterHeaders.Kind].ToString());
        Assert.Equal("5", headers[NatsDeadLetterHeaders.DeliveryCount].ToString());
        Assert.Equal(subject, headers[NatsDeadLetterHeaders.OriginalSubject].ToString());
        Assert.Equal(topology.Options.StreamName, headers[NatsDeadLetterHeaders.OriginalStream].ToString());
        Assert.Equal(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), headers[NatsDeadLetterHeaders.OriginalSequence].ToString());
        Assert.Equal("stuck-1", headers[NatsDeadLetterHeaders.OriginalMessageId].ToString());
        Assert.Contains("The issue store is unavailable.", headers[NatsDeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal);
        Assert.Empty(await topology.AllIssuesAsync());
    }

    [Fact]
    public async Task With_provisioning_off_a_failing_request_is_dead_lettered_on_the_managed_consumers_last_delivery()
    {
        // Arrange: the topology is managed elsewhere and its consumer allows 3 deliveries; the
        // consumer's options keep their default of 5.
        await using var topology = await NatsTestTopology.CreateAsync(
            o =>
            {
                o.ProvisionTopology = false;
                o.AckWait = TimeSpan.FromSeconds(1);
                o.NakDelay = TimeSpan.FromMilliseconds(50);
            },
            provision: false);
        Assert.Equal(5, topology.Options.MaxDeliver);
        var managed = NatsIngestionTopology.Consumer(topology.Options);
        managed.MaxDeliver = 3;
        await topology.Js.CreateStreamAsync(NatsIngestionTopology.Stream(topology.Options));
        await topology.Js.CreateStreamAsync(NatsIngestionTopology.DeadLetterStream(topology.Options));
        await topology.Js.CreateOrUpdateConsumerAsync(topology.Options.StreamName, managed);
        var failing = Substitute.For<IIssueIngestionService>();
        failing.IngestJsonAsync(Arg.Any<ReadOnlyMemory<byte>>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(_ => Task.FromException<IngestionResult>(new StorageException("The issue store is unavailable.")));
        var subject = topology.CreateSubject("activity-core");
        var body = TestRequests.Json("stuck-managed");
        var sequence = (await topology.PublishAsync(subject, body, "stuck-managed")).Seq;

        // Act
        using var host = topology.BuildConsumerHost(failing);
        await host.StartAsync();
        var deadLetters = await topology.DeadLettersAsync(1);
        await topology.AllSettledAsync(sequence);
        await host.StopAsync();

        // Assert
        Assert.Equal(3, failing.ReceivedCalls().Count());
        var deadLetter = Assert.Single(deadLetters);
        Assert.Equal(topology.Options.DeadLetterSubjectPrefix + ".create.activity-core", deadLetter.Subject);
        Assert.Equal(body, deadLetter.Data);
        var headers = deadLetter.Headers!;
        Assert.Equal(NatsDeadLetterHeaders.KindExhausted, headers[NatsDeadLetterHeaders.Kind].ToString());
        Assert.Equal("3", headers[NatsDeadLetterHeaders.DeliveryCount].ToString());
        Assert.Equal(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), headers[NatsDeadLetterHeaders.OriginalSequence].ToString());
        Assert.Equal(3, (await topology.ConsumerInfoAsync()).Config.MaxDeliver);
    }

    [Fact]
    public async Task A_reused_idempotency_key_with_a_different_payload_is_dead_lettered_on_its_first_delivery_as_a_conflict()
    {
        // Arrange: redeliveries would come quickly, so a retried conflict would show as more than one delivery.
        await using var topology = await NatsTestTopology.CreateAsync(o =>
        {
            o.AckWait = TimeSpan.FromSeconds(1);
            o.NakDelay = TimeSpan.FromMilliseconds(50);
        });
        var subject = topology.CreateSubject("activity-core");
        var original = TestRequests.Json("event-reused", title: "Rescan the SBOM");
        var different = TestRequests.Json("event-reused", title: "Rotate the signing key");
        await topology.PublishAsync(subject, original, "publish-1");
        var sequence = (await topology.PublishAsync(subject, different, "publish-2")).Seq;

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        var deadLetters = await topology.DeadLettersAsync(1);
        await topology.AllSettledAsync(sequence);
        await host.StopAsync();

        // Assert: terminal at once, with the reason; the first payload's issue is untouched.
        var deadLetter = Assert.Single(deadLetters);
        Assert.Equal(different, deadLetter.Data);
        var headers = deadLetter.Headers!;
        Assert.Equal(NatsDeadLetterHeaders.KindConflict, headers[NatsDeadLetterHeaders.Kind].ToString());
        Assert.Equal("1", headers[NatsDeadLetterHeaders.DeliveryCount].ToString());
        Assert.Equal(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), headers[NatsDeadLetterHeaders.OriginalSequence].ToString());
        Assert.False(string.IsNullOrWhiteSpace(headers[NatsDeadLetterHeaders.Reason].ToString()));
        var issue = Assert.Single(await topology.AllIssuesAsync());
        Assert.Equal("event-reused", issue.IdempotencyKey);
        Assert.Equal("Rescan the SBOM", issue.Title);
        Assert.Equal(0, (await topology.ConsumerInfoAsync()).NumRedelivered);
    }

    [Fact]
    public async Task Invalid_json_and_invalid_requests_are_dead_lettered_on_their_first_delivery_with_the_reason()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync();
        var subject = topology.CreateSubject("activity-core");
        var notJson = Encoding.UTF8.GetBytes("{\"title\": \"unterminated");
        var noTitle = Encoding.UTF8.GetBytes("""{"description":"","target_repo":"activity-core","priority":"high","labels":[],"source_type":"rule","source_id":"r","triggering_event_id":"no-title","activity_definition_id":"ad"}""");
        await topology.PublishAsync(subject, notJson, "bad-json");
        await topology.PublishAsync(subject, noTitle, "no-title");
        var last = (await topology.PublishAsync(subject, TestRequests.Json("good-1"), "good-1")).Seq;

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        var deadLetters = await topology.DeadLettersAsync(2);
        await topology.AllSettledAsync(last);
        await host.StopAsync();

        // Assert
        Assert.Equal(2, deadLetters.Count);
        Assert.Equal(notJson, deadLetters[0].Data);
        Assert.Equal(noTitle, deadLetters[1].Data);
        foreach (var deadLetter in deadLetters)
        {
            var headers = deadLetter.Headers!;
            Assert.Equal(NatsDeadLetterHeaders.KindInvalid, headers[NatsDeadLetterHeaders.Kind].ToString());
            Assert.Equal("1", headers[NatsDeadLetterHeaders.DeliveryCount].ToString());
            Assert.StartsWith("Validation failed", headers[NatsDeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal);
        }

        Assert.Contains("title", deadLetters[1].Headers![NatsDeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal);
        var issue = Assert.Single(await topology.AllIssuesAsync());
        Assert.Equal("good-1", issue.IdempotencyKey);
        var consumer = await topology.ConsumerInfoAsync();
        Assert.Equal(0, consumer.NumRedelivered);
    }

    [Fact]
    public async Task Provisioning_twice_leaves_the_documented_topology_in_place()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync(o => o.StreamMaxAge = TimeSpan.FromDays(7), provision: false);
        var options = topology.Options;

        // Act
        await NatsIngestionTopology.ProvisionAsync(topology.Js, options, CancellationToken.None);
        await NatsIngestionTopology.ProvisionAsync(topology.Js, options, CancellationToken.None);

        // Assert
        var stream = (await topology.Js.GetStreamAsync(options.StreamName)).Info;
        Assert.Equal([options.StreamSubject], stream.Config.Subjects);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigStorage.File, stream.Config.Storage);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigRetention.Limits, stream.Config.Retention);
        Assert.Equal(NATS.Client.JetStream.Models.StreamConfigDiscard.Old, stream.Config.Discard);
        Assert.Equal(TimeSpan.FromDays(7), stream.Config.MaxAge);
        Assert.Equal(64 * 1024, stream.Config.MaxMsgSize);
        Assert.Equal(1, stream.Config.NumReplicas);
        Assert.Equal(1, stream.State.ConsumerCount);

        var deadLetters = (await topology.Js.GetStreamAsync(options.DeadLetterStreamName)).Info;
        Assert.Equal([options.DeadLetterSubjectPrefix + ".>"], deadLetters.Config.Subjects);

        var consumer = await topology.ConsumerInfoAsync();
        Assert.Equal("issue-core-ingest", consumer.Config.DurableName);
        Assert.Equal(options.FilterSubject, consumer.Config.FilterSubject);
        Assert.Equal(NATS.Client.JetStream.Models.ConsumerConfigDeliverPolicy.All, consumer.Config.DeliverPolicy);
        Assert.Equal(NATS.Client.JetStream.Models.ConsumerConfigAckPolicy.Explicit, consumer.Config.AckPolicy);
        Assert.Equal(TimeSpan.FromSeconds(30), consumer.Config.AckWait);
        Assert.Equal(5, consumer.Config.MaxDeliver);
    }

    [Fact]
    public async Task With_provisioning_off_the_consumer_uses_the_topology_as_it_finds_it()
    {
        // Arrange: the topology is managed elsewhere, with a max deliver the consumer's options do not have.
        await using var topology = await NatsTestTopology.CreateAsync(o => o.ProvisionTopology = false, provision: false);
        var managed = NatsIngestionTopology.Consumer(topology.Options);
        managed.MaxDeliver = 7;
        await topology.Js.CreateStreamAsync(NatsIngestionTopology.Stream(topology.Options));
        await topology.Js.CreateStreamAsync(NatsIngestionTopology.DeadLetterStream(topology.Options));
        await topology.Js.CreateOrUpdateConsumerAsync(topology.Options.StreamName, managed);
        var last = (await topology.PublishAsync(topology.CreateSubject("activity-core"), TestRequests.Json("managed-1"), "managed-1")).Seq;

        // Act
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        await topology.AllSettledAsync(last);
        await host.StopAsync();

        // Assert
        Assert.Equal("managed-1", Assert.Single(await topology.AllIssuesAsync()).IdempotencyKey);
        Assert.Equal(7, (await topology.ConsumerInfoAsync()).Config.MaxDeliver);
    }
}
