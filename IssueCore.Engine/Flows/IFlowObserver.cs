using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>Receives the interpreter's progress (for recording) and supplies step outputs already recorded (for resume and rewind).</summary>
internal interface IFlowObserver
{
    /// <summary>Whether the step instance <paramref name="key"/> finished in an earlier attempt, with its output.</summary>
    bool TryGetCompleted(string key, out JsonNode? output);

    /// <summary>A step instance starts; <paramref name="inBranch"/> when it runs in a fan-out branch (beside others of its wave).</summary>
    ValueTask StepStartedAsync(string key, StepNode node, int wave, bool inBranch, CancellationToken cancellationToken);

    /// <summary>
    /// Turns the value a step's agent returned into the detached node the ctx holds and <see cref="StepCompletedAsync"/>
    /// then receives: a node over one immutable serialised copy. A recorder serialises the value once, for the ctx and for
    /// the step's completion record together.
    /// </summary>
    /// <exception cref="System.Text.Json.JsonException">The value nests deeper than a record may.</exception>
    JsonNode? FreezeOutput(string key, StepNode node, JsonNode? returned) => CtxValues.Freeze(returned);

    /// <summary>
    /// A step instance finished. When <paramref name="waveContext"/> is not null the step was a sequential wave of its
    /// own, its output is already in that ctx, and this call also ends the wave (no <see cref="WaveCompletedAsync"/>
    /// follows); read the ctx, do not keep it.
    /// </summary>
    ValueTask StepCompletedAsync(string key, StepNode node, int wave, JsonNode? output, JsonObject? waveContext, CancellationToken cancellationToken);

    ValueTask StepFailedAsync(string key, StepNode node, int wave, Exception error, CancellationToken cancellationToken);

    /// <summary>A sequential wave finished; <paramref name="ctx"/> is the ctx at its end (read it, do not keep it).</summary>
    ValueTask WaveCompletedAsync(int wave, JsonObject ctx, CancellationToken cancellationToken);
}
