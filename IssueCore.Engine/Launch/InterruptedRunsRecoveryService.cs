using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.Launch;

/// <summary>
/// At host start, marks runs abandoned in <c>Running</c> (their owner process is gone, or they showed no activity for
/// <see cref="IssueCoreOptions.AbandonedRunTimeout"/>) <c>Interrupted</c>, so they can be resumed; live hosts' runs stay.
/// </summary>
internal sealed class InterruptedRunsRecoveryService(TaskLaunchService launcher, IOptions<IssueCoreOptions> options, ILogger<InterruptedRunsRecoveryService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MarkInterruptedRunsOnStart)
        {
            return;
        }

        try
        {
            await launcher.MarkInterruptedRunsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Recovery is best effort: a host whose store is briefly unavailable still starts.
            LaunchLog.MarkInterruptedFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
