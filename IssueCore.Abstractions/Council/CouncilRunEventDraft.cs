using System.Text.Json;

namespace IssueCore.Council;

/// <summary>An event to append to a run's log; the repository assigns its sequence number and timestamp.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Wave">The execution depth (wave) the event happened in, from 0.</param>
/// <param name="Kind">What happened, for example <c>step.started</c>, <c>step.completed</c>, <c>step.failed</c>.</param>
/// <param name="NodeId">The flow node it concerns, if any.</param>
/// <param name="Payload">Details as JSON (for example a ctx snapshot).</param>
public sealed record CouncilRunEventDraft(CouncilRunId RunId, int Wave, string Kind, string? NodeId, JsonElement Payload);
