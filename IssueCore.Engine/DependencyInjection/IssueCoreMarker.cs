namespace IssueCore.DependencyInjection;

/// <summary>Marks that <c>AddIssueCore</c> ran, so a second call registers nothing again.</summary>
internal sealed class IssueCoreMarker;
