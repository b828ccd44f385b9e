using Microsoft.Extensions.Hosting;

namespace IssueCore.Enhance;

/// <summary>
/// The hosted dispatcher: runs <see cref="EnhanceApplication.RunAsync"/> until the host stops. The loop never
/// throws into the host; an issue being dispatched at shutdown is released for another attempt.
/// </summary>
internal sealed class EnhanceWorker(EnhanceApplication application) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => application.RunAsync(stoppingToken);
}
