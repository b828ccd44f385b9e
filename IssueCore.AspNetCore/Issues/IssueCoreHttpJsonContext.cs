using System.Text.Json.Serialization;
using IssueCore.AspNetCore.Problems;

namespace IssueCore.AspNetCore.Issues;

/// <summary>Source-generated serialization for every body the endpoints write (snake_case, as the wire schema).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IngestionResponse))]
[JsonSerializable(typeof(IssueResponse))]
[JsonSerializable(typeof(IssueListResponse))]
[JsonSerializable(typeof(ProblemResponse))]
internal sealed partial class IssueCoreHttpJsonContext : JsonSerializerContext;
