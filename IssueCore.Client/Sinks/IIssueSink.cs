namespace IssueCore.Client;

/// <summary>Where an emitter sends issue requests: a live IssueCore server, or a dry run.</summary>
public interface IIssueSink
{
    /// <summary>Emits one request and returns the issue reference to store alongside the decision that spawned it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call (also between retries).</param>
    /// <returns>The reference; a duplicate (same triggering event id) returns the first issue with <see cref="IssueReference.Created"/> <see langword="false"/>.</returns>
    /// <exception cref="IssueSinkException">The server refused the request, or kept failing after every retry.</exception>
    Task<IssueReference> EmitAsync(IssueSinkRequest request, CancellationToken cancellationToken = default);
}
