using IssueCore.Adapters.Nats.Ingestion;
using IssueCore.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace IssueCore.Adapters.Nats.Tests.Ingestion;

public sealed class DeadLetterShutdownTests
{
    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2012", Justification = "NSubstitute records the call; the ValueTask is never consumed.")]
    public async Task Dead_letter_retries_stop_at_shutdown_and_hand_the_message_back()
    {
        // Arrange: every dead-letter publish fails, and the retry delay (on a clock that never moves
        // by itself) would wait forever unless shutdown ends it.
        var ingestion = Substitute.For<IIssueIngestionService>();
        ingestion.IngestJsonAsync(Arg.Any<ReadOnlyMemory<byte>>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ValidationException("$", "not a request"));
        var worker = new NatsIngestionWorker(
            ingestion,
            Options.Create(new NatsIngestionOptions { RetryDelay = TimeSpan.FromHours(1) }),
            new FakeTimeProvider());
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var js = Substitute.For<INatsJSContext>();
        js.When(j => _ = j.PublishAsync(Arg.Any<string>(), Arg.Any<byte[]>(), Arg.Any<INatsSerialize<byte[]>?>(), Arg.Any<NatsJSPubOpts?>(), Arg.Any<NatsHeaders?>(), Arg.Any<CancellationToken>()))
            .Do(_ =>
            {
                published.TrySetResult();
                throw new NatsException("the dead-letter stream is unavailable");
            });
        var msg = Substitute.For<INatsJSMsg<byte[]>>();
        msg.Subject.Returns("act.tasks.create.repo");
        msg.Data.Returns("{}"u8.ToArray());
        using var stopping = new CancellationTokenSource();

        // Act
        var handling = worker.HandleAsync(js, Substitute.For<INatsJSConsumer>(), msg, stopping.Token);
        await published.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await stopping.CancelAsync();

        // Assert: it returns (by cancellation) instead of waiting out the retry delay, and the message is handed back.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handling.WaitAsync(TimeSpan.FromSeconds(60)));
        var calls = msg.ReceivedCalls().Select(c => c.GetMethodInfo().Name).ToList();
        Assert.Single(calls, name => name == nameof(INatsJSMsg<byte[]>.NakAsync));
        Assert.DoesNotContain(nameof(INatsJSMsg<byte[]>.AckTerminateAsync), calls);
    }
}
