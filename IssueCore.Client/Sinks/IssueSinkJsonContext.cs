using System.Text.Json.Serialization;

namespace IssueCore.Client;

/// <summary>Source-generated serialization for the wire types.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WireIssueRequest))]
[JsonSerializable(typeof(WireIssueReference))]
[JsonSerializable(typeof(WireProblem))]
internal sealed partial class IssueSinkJsonContext : JsonSerializerContext;
