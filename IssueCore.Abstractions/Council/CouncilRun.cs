using System.Text.Json;

namespace IssueCore.Council;

/// <summary>One recorded flow run.</summary>
public sealed record CouncilRun
{
    /// <summary>The run id, unique.</summary>
    public required CouncilRunId Id { get; init; }

    /// <summary>What ran: the flow Blueprint id, for example <c>enhance-default</c>.</summary>
    public required string FlowId { get; init; }

    /// <summary>The flow Blueprint version that ran, if known.</summary>
    public string? FlowVersion { get; init; }

    /// <summary>What the run was for, for example the issue id it dispatched.</summary>
    public string? Subject { get; init; }

    /// <summary>The lifecycle status.</summary>
    public required CouncilRunStatus Status { get; init; }

    /// <summary>The serialised plan and node states, for resume (see <see cref="ICouncilRepository.UpdateGraphAsync"/>).</summary>
    public JsonElement? Graph { get; init; }

    /// <summary>When the run was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// When the run last changed or showed activity: a status change, a graph update, an appended event, or
    /// <see cref="ICouncilRepository.TouchRunAsync"/> (the executing launcher's heartbeat). A run left
    /// <see cref="CouncilRunStatus.Running"/> whose activity is old is taken for abandoned
    /// (see <see cref="CouncilRunInterruptFilter.LastActivityBefore"/>).
    /// </summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// Which launcher instance executes the run (an opaque id naming the host process), or <see langword="null"/>
    /// when unknown. Set at creation and by <see cref="ICouncilRepository.TouchRunAsync"/>; a status change into
    /// <see cref="CouncilRunStatus.Running"/> clears it until the new executor records itself.
    /// </summary>
    public string? Owner { get; init; }
}
