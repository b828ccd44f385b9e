using IssueCore.Adapters.Nats.Sinks;
using IssueCore.Client;
using IssueCore.Issues;

namespace IssueCore.Adapters.Nats.Tests.Sinks;

public sealed class NatsIssueSinkTests
{
    [Fact]
    public async Task The_sink_round_trips_a_request_through_the_server_into_the_store()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync();
        using var host = topology.BuildConsumerHost();
        await host.StartAsync();
        var sink = new NatsIssueSink(topology.Connection, SinkOptions(topology));
        var request = Request("sink-" + Guid.NewGuid().ToString("N"));

        // Act
        var reference = await sink.EmitAsync(request);
        var issue = await Eventually.ReachesAsync(
            () => topology.Store.FindByIdempotencyKeyAsync(request.TriggeringEventId),
            found => found is not null,
            "the emitted issue to be stored");
        var repeat = await sink.PublishAsync(request);

        // Assert
        Assert.Equal(NatsIssueSink.BackendName, reference.Backend);
        Assert.True(reference.Created);
        Assert.StartsWith($"nats:{topology.Options.StreamName}:", reference.IssueId.Value, StringComparison.Ordinal);
        Assert.True(repeat.Duplicate);
        Assert.Equal(topology.CreateSubject("activity-core"), repeat.Subject);
        Assert.Equal(request.Title, issue!.Title);
        Assert.Equal(request.Description, issue.Description);
        Assert.Equal(IssuePriority.High, issue.Priority);
        Assert.Equal(request.Labels, issue.Labels);
        Assert.Equal("activity-core", issue.BlueprintId.Value);
        Assert.Equal(new IssueSource(IssueSourceType.Instruction, "instr-7", request.TriggeringEventId, "ad-9"), issue.Source);
        Assert.NotNull(issue.DueAt);
        Assert.Single(await topology.AllIssuesAsync());
        Assert.Equal(1L, (await topology.StreamStateAsync(topology.Options.StreamName)).Messages);
        await host.StopAsync();
    }

    [Fact]
    public async Task No_stream_on_the_subject_is_a_transient_failure_after_every_attempt()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync(provision: false);
        var sink = new NatsIssueSink(topology.Connection, new NatsIssueSinkOptions
        {
            SubjectPrefix = "nostream." + Guid.NewGuid().ToString("N"),
            ExpectedStream = null,
            MaxAttempts = 2,
            RetryDelay = TimeSpan.Zero,
            AckTimeout = TimeSpan.FromSeconds(2),
        });

        // Act
        var error = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request("lost-1")));

        // Assert
        Assert.True(error.IsTransient);
        Assert.Equal(2, error.Attempts);
        Assert.Null(error.StatusCode);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public async Task An_error_ack_is_a_refusal_with_the_servers_error()
    {
        // Arrange: the subject belongs to the test's stream, but the sink expects another one.
        await using var topology = await NatsTestTopology.CreateAsync();
        var options = SinkOptions(topology);
        options.ExpectedStream = "SOME_OTHER_STREAM";
        var sink = new NatsIssueSink(topology.Connection, options);

        // Act
        var error = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request("refused-1")));

        // Assert
        Assert.False(error.IsTransient);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(400, error.StatusCode);
        Assert.NotNull(error.Problem);
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.StreamName)).Messages);
    }

    [Fact]
    public async Task A_target_repository_that_is_not_a_subject_token_is_refused_before_sending()
    {
        // Arrange
        await using var topology = await NatsTestTopology.CreateAsync();
        var sink = new NatsIssueSink(topology.Connection, SinkOptions(topology));

        // Act
        var error = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request("bad-repo-1") with { TargetRepo = "my repo.*" }));

        // Assert
        Assert.False(error.IsTransient);
        Assert.Equal(0, error.Attempts);
        Assert.Equal("$.target_repo", Assert.Single(error.Problem!.Errors).Path);
        Assert.Equal(0L, (await topology.StreamStateAsync(topology.Options.StreamName)).Messages);
    }

    [Fact]
    public void Invalid_sink_options_are_refused_at_construction()
    {
        var connection = new NATS.Client.Core.NatsConnection();

        var error = Assert.Throws<ArgumentException>(() => new NatsIssueSink(connection, new NatsIssueSinkOptions { SubjectPrefix = "act.tasks.>", MaxAttempts = 0 }));

        Assert.Contains("SubjectPrefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
    }

    private static NatsIssueSinkOptions SinkOptions(NatsTestTopology topology) => new()
    {
        SubjectPrefix = topology.Options.FilterSubject[..^2],
        ExpectedStream = topology.Options.StreamName,
    };

    private static IssueSinkRequest Request(string triggeringEventId) => new()
    {
        Title = "Rotate the signing key",
        Description = "The key is 400 days old.",
        TargetRepo = "activity-core",
        Priority = IssuePriority.High,
        Labels = ["security", "keys"],
        DueInDays = 3,
        SourceType = IssueSourceType.Instruction,
        SourceId = "instr-7",
        TriggeringEventId = triggeringEventId,
        ActivityDefinitionId = "ad-9",
    };
}
