using System.Globalization;
using IssueCore.Enhance;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IssueCore.AspNetCore.Health;

/// <summary>Healthy when the dispatcher runs, keeps looking for work, and no tick has run longer than allowed.</summary>
internal sealed class WorkerHealthCheck(EnhanceApplication application, TimeProvider time, IssueCoreHealthCheckOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var activity = application.Activity;
        var now = time.GetUtcNow();
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["running"] = activity.IsRunning };
        if (activity.LastPollAt is { } poll)
        {
            data["last_poll_at"] = poll.ToString("O", CultureInfo.InvariantCulture);
        }

        if (!activity.IsRunning)
        {
            return Task.FromResult(options.RequireWorker
                ? new HealthCheckResult(context.Registration.FailureStatus, "The dispatcher is not running.", data: data)
                : HealthCheckResult.Healthy("This host does not dispatch.", data));
        }

        if (activity.OldestTickStartedAt is { } started && now - started > options.StuckAfter)
        {
            data["oldest_tick_started_at"] = started.ToString("O", CultureInfo.InvariantCulture);
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, string.Create(CultureInfo.InvariantCulture, $"A dispatch has run for {now - started:g}, longer than {options.StuckAfter:g}: the dispatcher looks stuck."), data: data));
        }

        if (activity.OldestTickStartedAt is null && activity.LastPollAt is { } last && now - last > options.SilentAfter)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, string.Create(CultureInfo.InvariantCulture, $"The dispatcher has not looked for work for {now - last:g}."), data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("The dispatcher is running.", data));
    }
}
