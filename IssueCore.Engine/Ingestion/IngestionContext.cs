namespace IssueCore.Ingestion;

/// <summary>What a transport knows about an ingestion request besides its body: the HTTP or NATS headers that matter.</summary>
public sealed record IngestionContext
{
    /// <summary>
    /// The transport's idempotency key (the HTTP <c>Idempotency-Key</c> header), if any. The key of an ingested issue is
    /// always the request's <c>triggering_event_id</c>, so one event is one issue whatever the transport; a key given
    /// here must equal it, or the request is refused with a <see cref="ValidationException"/> at <c>idempotency_key</c>.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> the request arrived with (an HTTP or NATS header), if any. A well-formed one is stored
    /// with the issue and the dispatch's activity continues its trace; a malformed one is ignored and reported as a warning.
    /// </summary>
    public string? TraceParent { get; init; }
}
