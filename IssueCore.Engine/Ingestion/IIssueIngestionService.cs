namespace IssueCore.Ingestion;

/// <summary>
/// Turns ingestion requests into queued issues. Every transport (in-process calls, HTTP, NATS) goes
/// through this one service, so validation, mapping and deduplication are the same everywhere.
/// </summary>
/// <remarks>
/// Deduplication: the idempotency key is the request's <see cref="IngestionRequest.TriggeringEventId"/>, whatever the
/// transport, so one event is one issue whether it came over HTTP, NATS or an in-process call. An explicit
/// <c>idempotencyKey</c> (the HTTP <c>Idempotency-Key</c> header) must equal it: one that differs is refused with a
/// <see cref="ValidationException"/> at <c>idempotency_key</c> (HTTP 422), never used as a second key. Members of a JSON
/// request that the schema does not know are ignored and listed in <see cref="IngestionResult.Warnings"/>. A second request with the same key
/// returns the first issue's id with <see cref="IngestionResult.Created"/> set to <see langword="false"/>
/// and stores nothing, even when the duplicates arrive concurrently (the store's create is the
/// uniqueness check). A duplicate must carry the same payload: its canonical hash (target, intent,
/// patch, title, description, priority, labels, source; not the due date) is compared with the
/// stored issue's, and a key reused for a different payload is refused with a
/// <see cref="ConflictException"/> (HTTP 409) whose <see cref="ConflictException.Expected"/> and
/// <see cref="ConflictException.Actual"/> are the two hashes.
/// </remarks>
public interface IIssueIngestionService
{
    /// <summary>Validates a request, maps it to an issue and enqueues it (or finds the existing one).</summary>
    /// <param name="request">The request.</param>
    /// <param name="idempotencyKey">An explicit key (the HTTP <c>Idempotency-Key</c> header: 1-200 visible ASCII characters, no spaces or commas) that must equal the triggering event id; <see langword="null"/> when there is none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue reference.</returns>
    /// <exception cref="ValidationException">The request is invalid (including a target series that does not exist, see <see cref="IssueIngestionOptions.RequireExistingSeries"/>); every problem is listed with its path.</exception>
    /// <exception cref="ConflictException">The idempotency key was already used for a different payload.</exception>
    Task<IngestionResult> IngestAsync(IngestionRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Parses a UTF-8 JSON request strictly (the snake_case wire schema, no unknown or duplicate
    /// members, no comments or trailing commas) and ingests it like <see cref="IngestAsync"/>.
    /// </summary>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="idempotencyKey">An explicit key that must equal <c>triggering_event_id</c>; <see langword="null"/> when there is none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue reference.</returns>
    /// <exception cref="ValidationException">
    /// The body is larger than <see cref="IssueIngestionOptions.MaxBodyBytes"/>, not valid UTF-8, not
    /// well-formed JSON, has members of the wrong type or unknown enum values, or fails validation.
    /// Every problem found is listed with its path.
    /// </exception>
    /// <exception cref="ConflictException">The idempotency key was already used for a different payload.</exception>
    Task<IngestionResult> IngestJsonAsync(ReadOnlyMemory<byte> utf8Json, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Parses and ingests a UTF-8 JSON request like <see cref="IngestJsonAsync"/>,
    /// with what the transport knows besides the body: the idempotency key header and the W3C <c>traceparent</c>, which
    /// is stored with the issue so its dispatch continues the trace.
    /// </summary>
    /// <remarks>The default ignores <see cref="IngestionContext.TraceParent"/>; the engine's service stores it.</remarks>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="context">The transport's headers.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The issue reference.</returns>
    /// <exception cref="ValidationException">The request is invalid, or the idempotency key differs from <c>triggering_event_id</c>.</exception>
    /// <exception cref="ConflictException">The triggering event was already ingested with a different payload.</exception>
    Task<IngestionResult> IngestTransportJsonAsync(ReadOnlyMemory<byte> utf8Json, IngestionContext context, CancellationToken cancellationToken = default)
        => IngestJsonAsync(utf8Json, context?.IdempotencyKey, cancellationToken);
}
