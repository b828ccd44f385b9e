using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Samples.WebHost;

/// <summary>
/// Installs, at start-up and idempotently, the built-in enhance flow with its default setting, and the first
/// version of the <c>demo</c> series so that the README's request has something to change.
/// </summary>
internal sealed partial class StartupInstaller(EnhanceApplication app, IBlueprintStore blueprints, ILogger<StartupInstaller> logger) : IHostedService
{
    /// <summary>The series the README's example request targets.</summary>
    public static BlueprintId DemoSeries { get; } = BlueprintId.Parse("demo");

    private static readonly Blueprint DemoFirstVersion = Blueprint.Parse("""
        {
          "id": "demo",
          "metadata": { "version_label": "1.0.0", "owner": "platform-team" },
          "agents": [
            { "name": "greet", "kind": "lua", "spec": { "source": "return { ok = true, value = 'hello' }" } }
          ],
          "flow": { "kind": "seq", "children": [
            { "kind": "step", "ref": "greet", "in": { "op": "path", "at": "$" }, "out": "$.greeting" }
          ] }
        }
        """);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await app.InstallDefaultFlowAsync(cancellationToken);
        try
        {
            await blueprints.ReadHeadAsync(DemoSeries, cancellationToken);
            return;
        }
        catch (NotFoundException)
        {
            // First start on this database: seed the series below.
        }

        try
        {
            var head = await blueprints.WriteNewAsync(DemoSeries, DemoFirstVersion, [], new CommitMetadata("First version of the demo series.", Origin: "seed"), cancellationToken);
            LogSeeded(logger, DemoSeries.Value, head.Value.Version.Value);
        }
        catch (ConflictException)
        {
            // Another node on the same database seeded it first.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Seeded the series '{Series}' at {Version}.")]
    private static partial void LogSeeded(ILogger logger, string series, string version);
}
