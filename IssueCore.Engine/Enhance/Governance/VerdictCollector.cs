using IssueCore.Blueprints;
using IssueCore.Council;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// The verdicts the host recorded during one dispatch's flow run, in the order they were reached. Bounded to
/// <see cref="Capacity"/> verdicts: a flow that asks the router more often than that is refused
/// (<see cref="Overflowed"/>), never allowed to grow the list. Disposing it stops the recording.
/// </summary>
internal sealed class VerdictCollector : IDisposable
{
    public const int Capacity = 1024;

    private readonly VerifierHost _host;
    private readonly Lock _lock = new();
    private readonly List<RecordedVerdict> _verdicts = [];
    private bool _overflowed;

    public VerdictCollector(VerifierHost host, CouncilRunId runId, Blueprint? head = null)
    {
        _host = host;
        RunId = runId;
        Blueprints = new DispatchBlueprints(head);
    }

    /// <summary>The flow run whose verdicts this collects.</summary>
    public CouncilRunId RunId { get; }

    /// <summary>The Blueprints of this dispatch (its head and what its flow proposes), shared by the verifier-router, the commit decision and the review.</summary>
    public DispatchBlueprints Blueprints { get; }

    /// <summary>Whether more than <see cref="Capacity"/> verdicts were offered (the surplus was dropped).</summary>
    public bool Overflowed
    {
        get
        {
            lock (_lock)
            {
                return _overflowed;
            }
        }
    }

    public void Add(RecordedVerdict verdict)
    {
        lock (_lock)
        {
            if (_verdicts.Count >= Capacity)
            {
                _overflowed = true;
                return;
            }

            _verdicts.Add(verdict);
        }
    }

    /// <summary>A copy of what was recorded so far.</summary>
    public IReadOnlyList<RecordedVerdict> Snapshot()
    {
        lock (_lock)
        {
            return [.. _verdicts];
        }
    }

    public void Dispose() => _host.Close(this);
}
