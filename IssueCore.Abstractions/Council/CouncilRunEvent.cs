using System.Text.Json;

namespace IssueCore.Council;

/// <summary>One recorded event of a run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Sequence">The per-run sequence number, assigned by the repository from 1; never reused, also after a truncation.</param>
/// <param name="Wave">The execution depth (wave) the event happened in.</param>
/// <param name="Kind">What happened.</param>
/// <param name="NodeId">The flow node it concerns, if any.</param>
/// <param name="Payload">Details as JSON.</param>
/// <param name="Timestamp">When it was appended.</param>
public sealed record CouncilRunEvent(
    CouncilRunId RunId,
    long Sequence,
    int Wave,
    string Kind,
    string? NodeId,
    JsonElement Payload,
    DateTimeOffset Timestamp);
