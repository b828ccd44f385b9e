using IssueCore.Council;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.Launch;

/// <summary>
/// Purges the recorded runs of finished flows as <see cref="IssueCoreOptions.RunRetention"/> says, every
/// <see cref="RunRetentionOptions.PurgeInterval"/> and whenever <see cref="RunRetentionOptions.PurgeAfterRuns"/> runs have
/// finished in this process since the last such purge, in calls of at most <see cref="RunRetentionOptions.MaxRunsPerCall"/>
/// runs. It only ever calls <see cref="ICouncilRepository.PurgeFinishedRunsAsync"/>: issues, Blueprints and the enhance
/// log are not touched. Failures are logged and retried at the next interval; it never throws into the host.
/// </summary>
internal sealed class RunRetentionService(ICouncilRepository repository, TimeProvider time, IOptions<IssueCoreOptions> options, ILogger<RunRetentionService> logger, RunRetentionTrigger trigger) : BackgroundService
{
    /// <summary>One purge: repeats repository calls while each deletes the per-call maximum (bounded by a pass limit).</summary>
    /// <returns>How many runs were deleted, or -1 when the repository cannot purge.</returns>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.RunRetention;
        var policy = new CouncilRetentionPolicy
        {
            KeepLatest = retention.KeepLatest,
            FinishedBefore = retention.MaxAge is { } age ? time.GetUtcNow() - age : null,
            MaxRunsPerCall = retention.MaxRunsPerCall,
        };
        var total = 0;
        for (var pass = 0; pass < 100; pass++)
        {
            int deleted;
            try
            {
                deleted = await repository.PurgeFinishedRunsAsync(policy, cancellationToken).ConfigureAwait(false);
            }
            catch (NotSupportedException)
            {
                return -1;
            }

            total += deleted;
            if (deleted < policy.MaxRunsPerCall)
            {
                break;
            }
        }

        if (total > 0)
        {
            LaunchLog.RunsPurged(logger, total);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.RunRetention;
        if (!retention.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(retention.PurgeInterval, time);
        try
        {
            // Woken by the interval or by the count of finished runs, whichever comes first; each wait is kept until it
            // completes, so neither the timer nor the trigger ever has two waits pending.
            var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var counted = trigger.WaitAsync(stoppingToken);
            while (true)
            {
                var woke = await Task.WhenAny(tick, counted).ConfigureAwait(false);
                if (woke == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        return;
                    }

                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    await counted.ConfigureAwait(false);
                    counted = trigger.WaitAsync(stoppingToken);
                }

                try
                {
                    if (await PurgeOnceAsync(stoppingToken).ConfigureAwait(false) < 0)
                    {
                        LaunchLog.PurgeNotSupported(logger);
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LaunchLog.PurgeFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
