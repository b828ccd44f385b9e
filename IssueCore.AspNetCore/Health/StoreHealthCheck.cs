using IssueCore.Issues;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IssueCore.AspNetCore.Health;

/// <summary>Healthy when the issue store answers a one-item page.</summary>
internal sealed class StoreHealthCheck(IIssueStore issues) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await issues.ListAsync(new IssueQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The issue store answers.");
        }
        catch (IssueCoreException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The issue store does not answer.", ex);
        }
    }
}
