namespace IssueCore.Adapters.Nats.Ingestion;

/// <summary>
/// Headers the ingestion consumer sets on a dead-lettered message. The body and the original
/// headers are copied unchanged, except JetStream's own <c>Nats-*</c> headers (the original
/// <c>Nats-Msg-Id</c> is kept in <see cref="OriginalMessageId"/>).
/// </summary>
public static class NatsDeadLetterHeaders
{
    /// <summary>Why the message was dead-lettered (the validation problems, or the last transient error), one line, at most 1,024 characters.</summary>
    public const string Reason = "IssueCore-Dead-Letter-Reason";

    /// <summary>The kind of failure: <see cref="KindInvalid"/>, <see cref="KindConflict"/> or <see cref="KindExhausted"/>.</summary>
    public const string Kind = "IssueCore-Dead-Letter-Kind";

    /// <summary>The subject the message was published on.</summary>
    public const string OriginalSubject = "IssueCore-Original-Subject";

    /// <summary>The stream that held the message.</summary>
    public const string OriginalStream = "IssueCore-Original-Stream";

    /// <summary>The message's sequence number in <see cref="OriginalStream"/>.</summary>
    public const string OriginalSequence = "IssueCore-Original-Sequence";

    /// <summary>The original <c>Nats-Msg-Id</c>, when the message had one.</summary>
    public const string OriginalMessageId = "IssueCore-Original-Msg-Id";

    /// <summary>How many times the message had been delivered when it was dead-lettered.</summary>
    public const string DeliveryCount = "IssueCore-Delivery-Count";

    /// <summary><see cref="Kind"/> value: the request can never be ingested (invalid JSON, failed validation); dead-lettered on its first delivery.</summary>
    public const string KindInvalid = "invalid";

    /// <summary>
    /// <see cref="Kind"/> value: the request reuses an idempotency key (its <c>triggering_event_id</c>) that an issue
    /// with a different payload already holds; dead-lettered on its first delivery, since no retry can succeed.
    /// </summary>
    public const string KindConflict = "conflict";

    /// <summary><see cref="Kind"/> value: ingestion kept failing transiently until the last allowed delivery.</summary>
    public const string KindExhausted = "exhausted";
}
