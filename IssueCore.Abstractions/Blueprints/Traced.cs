namespace IssueCore.Blueprints;

/// <summary>A value read from a store together with its trace.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Trace">Its version, parents, origin and timestamp.</param>
public sealed record Traced<T>(T Value, BlueprintTrace Trace);
