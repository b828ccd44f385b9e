using IssueCore.AspNetCore;
using IssueCore.AspNetCore.Health;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the IssueCore health checks.</summary>
public static class IssueCoreHealthChecksBuilderExtensions
{
    /// <summary>The name of the check that the issue store answers (unhealthy when it does not).</summary>
    public const string StoreCheck = "issuecore.store";

    /// <summary>The name of the check that the dispatcher runs and is not stuck (unhealthy otherwise).</summary>
    public const string WorkerCheck = "issuecore.worker";

    /// <summary>The name of the check of the oldest pending issue's age (degraded over the threshold).</summary>
    public const string QueueCheck = "issuecore.queue";

    /// <summary>
    /// Adds three checks, tagged <c>issuecore</c>: <see cref="StoreCheck"/>, <see cref="WorkerCheck"/> and
    /// <see cref="QueueCheck"/>. Map them with <c>app.MapHealthChecks("/health")</c>.
    /// </summary>
    /// <param name="builder">The builder of <c>services.AddHealthChecks()</c>.</param>
    /// <param name="configure">Sets the thresholds; may be <see langword="null"/>.</param>
    /// <returns>The builder, for more checks.</returns>
    public static IHealthChecksBuilder AddIssueCoreHealthChecks(this IHealthChecksBuilder builder, Action<IssueCoreHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new IssueCoreHealthCheckOptions();
        configure?.Invoke(options);
        if (options.PendingAgeThreshold <= TimeSpan.Zero || options.StuckAfter <= TimeSpan.Zero || options.SilentAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException("IssueCoreHealthCheckOptions: every threshold must be positive.", nameof(configure));
        }

        string[] tags = ["issuecore"];
        builder.Add(new HealthCheckRegistration(StoreCheck, sp => new StoreHealthCheck(sp.GetRequiredService<IIssueStore>()), HealthStatus.Unhealthy, tags));
        builder.Add(new HealthCheckRegistration(
            WorkerCheck,
            sp => new WorkerHealthCheck(sp.GetRequiredService<EnhanceApplication>(), sp.GetService<TimeProvider>() ?? TimeProvider.System, options),
            HealthStatus.Unhealthy,
            tags));
        builder.Add(new HealthCheckRegistration(
            QueueCheck,
            sp => new QueueAgeHealthCheck(sp.GetRequiredService<IIssueStore>(), sp.GetService<TimeProvider>() ?? TimeProvider.System, options),
            HealthStatus.Degraded,
            tags));
        return builder;
    }
}
