using System.Text.Json.Serialization;
using IssueCore.AspNetCore.Problems;

namespace IssueCore.AspNetCore.Operator;

/// <summary>Source-generated serialization of every body the operator endpoints write (snake_case, like the ingestion API).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BlueprintListResponse))]
[JsonSerializable(typeof(BlueprintVersionResponse))]
[JsonSerializable(typeof(CommitListResponse))]
[JsonSerializable(typeof(DiffResponse))]
[JsonSerializable(typeof(EnhanceLogListResponse))]
[JsonSerializable(typeof(RunListResponse))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(RunEventListResponse))]
[JsonSerializable(typeof(RunEventResponse))]
[JsonSerializable(typeof(RunStreamEnd))]
[JsonSerializable(typeof(RequeueResponse))]
[JsonSerializable(typeof(ArchiveResponse))]
[JsonSerializable(typeof(IssueHistoryResponse))]
[JsonSerializable(typeof(ProblemResponse))]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(ApprovalResponse))]
internal sealed partial class OperatorJsonContext : JsonSerializerContext;
