namespace IssueCore.LogEvents.Tests;

/// <summary>One row of the registry, as written, with its line number.</summary>
internal sealed record LogEventRow(int Id, string Text, int Line);
