using System.Text.Json;

namespace IssueCore.AI;

/// <summary>The JSON Schemas the model is shown: an RFC 6902 patch, and the answer that carries one.</summary>
internal static class PatchSchemas
{
    /// <summary>An RFC 6902 JSON Patch: an array of operations, each with exactly the members its <c>op</c> needs.</summary>
    public const string Rfc6902Patch = """
        {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"RFC 6902 JSON Patch","type":"array","items":{"oneOf":[
        {"type":"object","properties":{"op":{"const":"add"},"path":{"type":"string"},"value":{}},"required":["op","path","value"],"additionalProperties":false},
        {"type":"object","properties":{"op":{"const":"remove"},"path":{"type":"string"}},"required":["op","path"],"additionalProperties":false},
        {"type":"object","properties":{"op":{"const":"replace"},"path":{"type":"string"},"value":{}},"required":["op","path","value"],"additionalProperties":false},
        {"type":"object","properties":{"op":{"const":"move"},"from":{"type":"string"},"path":{"type":"string"}},"required":["op","from","path"],"additionalProperties":false},
        {"type":"object","properties":{"op":{"const":"copy"},"from":{"type":"string"},"path":{"type":"string"}},"required":["op","from","path"],"additionalProperties":false},
        {"type":"object","properties":{"op":{"const":"test"},"path":{"type":"string"},"value":{}},"required":["op","path","value"],"additionalProperties":false}]}}
        """;

    /// <summary>The answer: a rationale, a version bump and the patch, or the reason no patch can be proposed.</summary>
    public static readonly string Answer = """
        {"type":"object","properties":{
        "rationale":{"type":"string","description":"Why this patch does what the issue asks."},
        "bump":{"type":"string","enum":["patch","minor","major"],"description":"The semantic version bump of the change."},
        "patch":
        """ + Rfc6902Patch + """
        ,
        "cannot_propose":{"type":["string","null"],"description":"Null, or why no patch can do what the issue asks (then patch is [])."}},
        "required":["rationale","bump","patch","cannot_propose"],"additionalProperties":false}
        """;

    /// <summary>The answer schema as a JSON element, for the structured-output request.</summary>
    public static JsonElement AnswerElement()
    {
        using var document = JsonDocument.Parse(Answer);
        return document.RootElement.Clone();
    }
}
