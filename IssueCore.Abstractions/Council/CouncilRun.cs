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

    /// <summary>When the run last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
