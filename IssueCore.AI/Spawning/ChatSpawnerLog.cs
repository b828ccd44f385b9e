using Microsoft.Extensions.Logging;

namespace IssueCore.AI;

/// <summary>Log messages of the chat patch spawner (event ids 6220–6239).</summary>
internal static partial class ChatSpawnerLog
{
    [LoggerMessage(EventId = 6220, Level = LogLevel.Debug, Message = "Issue {IssueId}: asking the model for a patch (attempt {Attempt} of {MaxAttempts})")]
    public static partial void Asking(ILogger logger, string issueId, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 6221, Level = LogLevel.Warning, Message = "Issue {IssueId}: answer {Attempt} of {MaxAttempts} from model {ModelId} is not a valid patch against the head: {Errors}")]
    public static partial void AnswerRejected(ILogger logger, string issueId, int attempt, int maxAttempts, string modelId, string errors);

    [LoggerMessage(EventId = 6222, Level = LogLevel.Error, Message = "Issue {IssueId}: the model {ModelId} gave no valid patch in {Attempts} attempt(s); giving up")]
    public static partial void GaveUp(ILogger logger, string issueId, string modelId, int attempts);

    [LoggerMessage(EventId = 6223, Level = LogLevel.Warning, Message = "Issue {IssueId}: the model {ModelId} declined to propose a patch: {Reason}")]
    public static partial void Declined(ILogger logger, string issueId, string modelId, string reason);

    [LoggerMessage(EventId = 6224, Level = LogLevel.Information, Message = "Issue {IssueId}: the model {ModelId} proposed {OperationCount} operation(s) in {Attempts} attempt(s), {TotalTokens} tokens")]
    public static partial void Proposed(ILogger logger, string issueId, string modelId, int operationCount, int attempts, long? totalTokens);

    [LoggerMessage(EventId = 6225, Level = LogLevel.Warning, Message = "Issue {IssueId}: the head of {BlueprintId} is {Length} characters, more than the {Limit} a prompt may carry; not asking the model")]
    public static partial void BlueprintTooLarge(ILogger logger, string issueId, string blueprintId, int length, int limit);
}
