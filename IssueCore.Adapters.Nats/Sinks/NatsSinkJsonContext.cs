using System.Text.Json.Serialization;

namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>Source-generated serialization for the wire request.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(NatsWireIssueRequest))]
internal sealed partial class NatsSinkJsonContext : JsonSerializerContext;
