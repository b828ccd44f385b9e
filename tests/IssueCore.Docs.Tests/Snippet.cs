namespace IssueCore.Docs.Tests;

/// <summary>One C# example: where it is (file and 1-based line) and its text.</summary>
internal sealed record Snippet(string Name, string File, int Line, string Text);
