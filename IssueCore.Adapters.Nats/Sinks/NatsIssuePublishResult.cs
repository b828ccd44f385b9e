namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>JetStream's receipt for a published request.</summary>
/// <param name="Stream">The stream that stored the request.</param>
/// <param name="Sequence">Its sequence number in <paramref name="Stream"/> (the first copy's, for a duplicate).</param>
/// <param name="Duplicate"><see langword="true"/> when JetStream recognised the message id (the triggering event id) within its duplicate window and stored nothing.</param>
/// <param name="Subject">The subject the request was published on.</param>
/// <param name="MessageId">The <c>Nats-Msg-Id</c> sent: the triggering event id.</param>
public sealed record NatsIssuePublishResult(string Stream, ulong Sequence, bool Duplicate, string Subject, string MessageId);
