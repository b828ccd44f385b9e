using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using IssueCore.AspNetCore.Problems;

namespace IssueCore.AspNetCore.Issues;

/// <summary>Source-generated serialization for every body the endpoints write (snake_case, as the wire schema).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IngestionResponse))]
[JsonSerializable(typeof(IssueResponse))]
[JsonSerializable(typeof(IssueListResponse))]
[JsonSerializable(typeof(ProblemResponse))]
internal sealed partial class IssueCoreHttpJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every endpoint writes with: the generated metadata with an encoder that leaves <c>'</c>, <c>&lt;</c>,
    /// <c>&gt;</c>, <c>&amp;</c> and non-ASCII text as they are. The bodies are <c>application/json</c>, never embedded in
    /// HTML, so the default HTML-safe escaping only made them harder to read (<c>-\u003E</c> for <c>-&gt;</c>).
    /// </summary>
    public static IssueCoreHttpJsonContext Web { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
