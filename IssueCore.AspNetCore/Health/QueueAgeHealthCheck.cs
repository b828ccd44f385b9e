using System.Globalization;
using IssueCore.Issues;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IssueCore.AspNetCore.Health;

/// <summary>Degraded when the oldest pending issue has waited longer than the threshold.</summary>
internal sealed class QueueAgeHealthCheck(IIssueStore issues, TimeProvider time, IssueCoreHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Pages come in creation order, so the first pending issue is the oldest.
        var page = await issues.ListAsync(new IssueQuery { State = IssueState.Pending, Limit = 1 }, cancellationToken).ConfigureAwait(false);
        if (page.Items.Count == 0)
        {
            return HealthCheckResult.Healthy("No issue is pending.");
        }

        var oldest = page.Items[0];
        var age = time.GetUtcNow() - oldest.CreatedAt;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["oldest_pending_issue"] = oldest.Id.Value,
            ["oldest_pending_age_seconds"] = Math.Round(age.TotalSeconds, 1),
        };
        return age > options.PendingAgeThreshold
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"The oldest pending issue has waited {age:g}, longer than {options.PendingAgeThreshold:g}."), data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"The oldest pending issue has waited {age:g}."), data);
    }
}
