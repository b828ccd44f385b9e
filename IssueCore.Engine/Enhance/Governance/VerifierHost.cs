using System.Collections.Concurrent;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance.Verifiers;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// The host's side of verification, shared by the <c>verifier-router</c> agent and the dispatcher: it finds the
/// <see cref="IVerifierAxis"/> registered under a name, and it keeps one <see cref="VerdictCollector"/> per dispatch in
/// flight, keyed by the flow run's id (which the engine, not the flow, hands to every agent call). The dispatcher
/// opens a collector before it launches the flow and reads it afterwards, so the verdicts a commit rests on are the
/// ones the host reached, never the ones the flow reports. Open collectors are bounded by the dispatches in flight:
/// each is removed when its dispatch disposes it.
/// </summary>
internal sealed class VerifierHost(IServiceProvider services)
{
    private readonly ConcurrentDictionary<CouncilRunId, VerdictCollector> _open = new();

    /// <summary>The axis registered under <paramref name="name"/>, or <see langword="null"/>.</summary>
    public IVerifierAxis? FindAxis(string name) => services.GetKeyedService<IVerifierAxis>(name);

    /// <summary>Starts collecting the verdicts of the run <paramref name="runId"/> (a run id chosen for one launch).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="head">The head the dispatch started from, so the run's documents equal to it are not built again.</param>
    /// <exception cref="InvalidOperationException">A collector is already open for that run.</exception>
    public VerdictCollector Open(CouncilRunId runId, Blueprint? head = null)
    {
        var collector = new VerdictCollector(this, runId, head);
        if (!_open.TryAdd(runId, collector))
        {
            throw new InvalidOperationException($"Verdicts of run '{runId}' are already being collected.");
        }

        return collector;
    }

    /// <summary>Records a verdict for the run, when a dispatch collects its verdicts; otherwise drops it.</summary>
    public void Record(CouncilRunId runId, RecordedVerdict verdict)
    {
        if (_open.TryGetValue(runId, out var collector))
        {
            collector.Add(verdict);
        }
    }

    /// <summary>The Blueprints of the run <paramref name="runId"/>, when a dispatch collects its verdicts; otherwise <see langword="null"/>.</summary>
    public DispatchBlueprints? BlueprintsOf(CouncilRunId runId)
        => _open.TryGetValue(runId, out var collector) ? collector.Blueprints : null;

    internal void Close(VerdictCollector collector)
        => _open.TryRemove(new KeyValuePair<CouncilRunId, VerdictCollector>(collector.RunId, collector));
}
