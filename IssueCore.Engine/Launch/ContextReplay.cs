using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Council;
using IssueCore.Flows;

namespace IssueCore.Launch;

/// <summary>
/// Rebuilds the ctx of a run that did not complete: runs its flow from the initial ctx, replaying the recorded step
/// outputs, and stops before the first step that has none. No agent is called and nothing is recorded. Flows are
/// deterministic given their agents' outputs, so this is the ctx at the end of the last finished wave (plus the writes
/// of any <c>assign</c> nodes after it; inside a <c>try</c> body whose steps did not all finish, the ctx before the
/// <c>try</c>).
/// </summary>
internal sealed class ContextReplay : IFlowObserver
{
    private static readonly IReadOnlyDictionary<string, AgentCallDelegate> NoAgents = new Dictionary<string, AgentCallDelegate>();

    private readonly RecordedRun _recorded;
    private readonly CancellationTokenSource _stop;

    private ContextReplay(RecordedRun recorded, CancellationTokenSource stop)
    {
        _recorded = recorded;
        _stop = stop;
    }

    public static async Task<JsonObject> RunAsync(FlowPlan plan, JsonObject initialContext, RecordedRun recorded, CouncilRunId runId)
    {
        using var stop = new CancellationTokenSource();
        var replay = new ContextReplay(recorded, stop);
        try
        {
            await new FlowInterpreter(NoAgents, replay, runId, deadline: null).RunAsync(plan.Root, initialContext, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Reached the first step without a recorded output.
        }
        catch (FlowFaultException)
        {
            // The recorded run failed here (for example a step output that could not be written): ctx is as it stood.
        }

        return initialContext;
    }

    public bool TryGetCompleted(string key, out JsonNode? output) => _recorded.TryGetOutput(key, out output);

    public ValueTask StepStartedAsync(string key, StepNode node, int wave, bool inBranch, CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return ValueTask.FromCanceled(_stop.Token);
    }

    public ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
