namespace IssueCore.Reliability.Tests.Support;

/// <summary>What the invariant check counted.</summary>
internal sealed record InvariantReport(int Issues, int Applied, int Rejected, int Failed, int Lost, int Duplicated);
