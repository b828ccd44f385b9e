using IssueCore.Issues;
using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance;

/// <summary>
/// The loop behind <see cref="EnhanceApplication.RunAsync"/>: <c>loops</c> dispatch loops (the option
/// <see cref="EnhanceApplicationOptions.MaxConcurrentDispatches"/>), each claiming and dispatching issue after issue
/// while there are any. An idle loop waits on the application's <see cref="DispatchSignal"/>: an issue enqueued through
/// the same <see cref="EnhanceApplication"/> wakes one loop at once; issues enqueued elsewhere (another process, or an
/// issue whose retry back-off ends) are found when the wait times out after
/// <see cref="EnhanceApplicationOptions.PollInterval"/> by one loop (the others wait to be woken, so an idle host
/// claims once per interval whatever the loop count). A loop that finds work after being idle wakes one more, so a
/// burst found by polling spreads over the loops. A failing tick is logged and never ends the loop. Cancellation stops
/// every wait at once; the dispatches in flight release their issues (bounded) and the call returns when they have.
/// When the issue store implements <see cref="IIssueEnqueueNotifications"/>, one watch runs beside the loops and turns
/// each notification into one wake-up, so issues enqueued by other processes are dispatched at once too; the wake-ups
/// coalesce in the <see cref="DispatchSignal"/> (at most one per loop kept), and polling goes on as the fallback.
/// </summary>
internal sealed class EnhanceRunLoop(EnhanceApplication application, DispatchSignal wake, int loops, TimeSpan pollInterval, TimeProvider time, ILogger logger, IIssueEnqueueNotifications? notifications = null)
{
    // The longest wait a timer accepts.
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        EnhanceLog.LoopStarted(logger, application.DispatcherId);
        application.Activity.LoopStarted();
        try
        {
            var running = new Task[notifications is null ? loops : loops + 1];
            for (var i = 0; i < loops; i++)
            {
                running[i] = LoopAsync(polls: i == 0, cancellationToken);
            }

            if (notifications is not null)
            {
                running[loops] = WatchAsync(notifications, cancellationToken);
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
        finally
        {
            application.Activity.LoopStopped();
            EnhanceLog.LoopStopped(logger, application.DispatcherId);
        }
    }

    // A failing watch ends the watch only: the loops go on polling, as they would without notifications.
    private async Task WatchAsync(IIssueEnqueueNotifications source, CancellationToken cancellationToken)
    {
        await Task.Yield();
        EnqueueWatchLog.WatchStarted(logger, application.DispatcherId);
        try
        {
            await foreach (var _ in source.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                wake.Notify();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a background loop never throws into the host
        catch (Exception ex)
#pragma warning restore CA1031
        {
            EnqueueWatchLog.WatchFailed(logger, application.DispatcherId, ex);
        }
    }

    // Only one loop polls when all are idle, so an idle host claims once per poll interval whatever the loop count;
    // the others wait for a wake-up (an enqueue, or a peer that found work), or poll after a failed tick.
    private async Task LoopAsync(bool polls, CancellationToken cancellationToken)
    {
        // Each loop continues on the thread pool, so the loops dispatch side by side from their first claim.
        await Task.Yield();
        var idle = false;
        var poll = pollInterval > LongestWait ? LongestWait : pollInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            DispatchOutcome? outcome = null;
            var failed = false;
            var tick = application.Activity.TickStarted();
            try
            {
                outcome = await application.TickAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a background loop never throws into the host
            catch (Exception ex)
#pragma warning restore CA1031
            {
                EnhanceLog.TickFailed(logger, ex);
                failed = true;
            }
            finally
            {
                application.Activity.TickEnded(tick);
            }

            if (outcome is not null)
            {
                if (idle)
                {
                    idle = false;
                    wake.Notify();
                }

                continue;
            }

            idle = true;
            await wake.WaitAsync(polls || failed ? poll : Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
