namespace IssueCore.AspNetCore.Operator;

/// <summary>An admitted caller: the name recorded in histories and logs, and the role of its key.</summary>
internal sealed record OperatorCaller(string Name, string KeyRole);
