using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Operator;

/// <summary>The operator endpoints' log messages (event ids 6310–6319).</summary>
internal static partial class OperatorLog
{
    [LoggerMessage(EventId = 6310, Level = LogLevel.Information, Message = "Operator action {Verb} on {Target} by {Operator} ({KeyRole} key): {Outcome}")]
    public static partial void Acted(ILogger logger, string verb, string target, string @operator, string keyRole, string outcome);

    [LoggerMessage(EventId = 6311, Level = LogLevel.Warning, Message = "Operator action {Verb} on {Target} refused for {Operator} ({KeyRole} key)")]
    public static partial void Refused(ILogger logger, string verb, string target, string @operator, string keyRole);
}
