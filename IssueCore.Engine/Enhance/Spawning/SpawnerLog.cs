using Microsoft.Extensions.Logging;

namespace IssueCore.Enhance.Spawning;

/// <summary>Log messages of the patch spawner step (event ids 6200–6219).</summary>
internal static partial class SpawnerLog
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "Issue {IssueId}: the patch spawner {Spawner} proposed {OperationCount} operation(s) after {Attempts} attempt(s)")]
    public static partial void Proposed(ILogger logger, string issueId, string spawner, int operationCount, int attempts);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Issue {IssueId}: the patch spawner {Spawner} cannot propose a patch: {Reason}")]
    public static partial void CannotPropose(ILogger logger, string issueId, string spawner, string reason);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Issue {IssueId}: the patch spawner {Spawner} proposed operations that are not RFC 6902: {Problems}")]
    public static partial void InvalidProposal(ILogger logger, string issueId, string spawner, string problems);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Issue {IssueId} on {BlueprintId} carries no patch and no patch spawner serves setting {SettingId}; rejecting it without running the flow")]
    public static partial void NoSpawnerAtDispatch(ILogger logger, string issueId, string blueprintId, string settingId);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "An ingestion request without a patch was refused: no patch spawner serves setting {SettingId}")]
    public static partial void NoSpawnerAtIngestion(ILogger logger, string settingId);
}
