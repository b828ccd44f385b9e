namespace IssueCore.Json;

/// <summary>
/// The nesting limits every IssueCore component shares, so a document accepted at one boundary is
/// accepted at every later one (ingestion, the engine, run recording, the stores).
/// </summary>
/// <remarks>
/// A document that comes from outside (a request body, a patch and the values it carries, a
/// Blueprint, a script's input or output) may nest at most <see cref="MaxDocumentDepth"/> levels.
/// The engine's own records embed such documents a few levels down (the flow context, run
/// records, event payloads), so they are read and written with <see cref="MaxRecordDepth"/>, which
/// leaves room for that envelope. Every recursive walk over JSON in IssueCore is bounded by one of
/// these limits, so no input can exhaust the stack.
/// </remarks>
public static class JsonLimits
{
    /// <summary>The deepest nesting accepted in a document that comes from outside: 64 levels.</summary>
    public const int MaxDocumentDepth = 64;

    /// <summary>
    /// The deepest nesting of a record the engine builds around accepted documents (context, run
    /// records, event payloads): 128 levels, equal to <see cref="CanonicalJson.MaxDepth"/>.
    /// </summary>
    public const int MaxRecordDepth = CanonicalJson.MaxDepth;

    /// <summary>
    /// The most reference tokens a JSON Pointer may have: a pointer longer than the deepest accepted
    /// document cannot address anything in it.
    /// </summary>
    public const int MaxPointerSegments = MaxDocumentDepth;
}
