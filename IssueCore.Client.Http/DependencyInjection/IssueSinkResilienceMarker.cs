namespace IssueCore.Client;

/// <summary>Marks that <c>AddIssueSink()</c> put the resilience handler on the sink's client, so a second call adds no second one.</summary>
internal sealed class IssueSinkResilienceMarker;
