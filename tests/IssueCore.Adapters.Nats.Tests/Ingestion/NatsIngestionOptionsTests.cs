using IssueCore.Adapters.Nats.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IssueCore.Adapters.Nats.Tests.Ingestion;

public sealed class NatsIngestionOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_topology_and_valid()
    {
        var options = new NatsIngestionOptions();

        Assert.Empty(NatsIngestionOptionsValidator.Failures(options));
        Assert.Equal("ACT_TASKS", options.StreamName);
        Assert.Equal("act.tasks.>", options.StreamSubject);
        Assert.Equal("issue-core-ingest", options.ConsumerName);
        Assert.Equal("act.tasks.create.>", options.FilterSubject);
        Assert.Equal(TimeSpan.FromDays(7), options.StreamMaxAge);
        Assert.Equal(64 * 1024, options.StreamMaxMessageBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AckWait);
        Assert.Equal(5, options.MaxDeliver);
        Assert.Equal("ACT_TASKS_DLQ", options.DeadLetterStreamName);
        Assert.Equal("act.dlq.tasks.create.my-repo", NatsIngestionTopology.DeadLetterSubject(options, "act.tasks.create.my-repo"));
    }

    [Fact]
    public async Task Invalid_options_fail_when_the_host_starts()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIssueCoreNatsIngestion(o =>
        {
            o.StreamSubject = "act.tasks";
            o.FilterSubject = "other.create.>";
            o.DeadLetterSubjectPrefix = "act.tasks.dlq";
            o.MaxDeliver = 0;
            o.NakDelay = TimeSpan.FromMinutes(5);
        }).UseInMemory();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("StreamSubject", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxDeliver", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("NakDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dead_letter_prefix_under_the_stream_subject_is_refused()
    {
        var options = new NatsIngestionOptions { DeadLetterSubjectPrefix = "act.tasks.dlq" };

        Assert.Contains(NatsIngestionOptionsValidator.Failures(options), f => f.Contains("DeadLetterSubjectPrefix", StringComparison.Ordinal));
    }
}
