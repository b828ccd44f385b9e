namespace IssueCore.DependencyInjection;

/// <summary>Marks that <c>AddIssueCoreWorker</c> ran, so the hosted dispatcher is registered once.</summary>
internal sealed class EnhanceWorkerMarker;
