namespace IssueCore.AspNetCore.Tests;

/// <summary>A delegating handler that counts the requests that pass through it.</summary>
internal sealed class CountingHandler(Action count) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        count();
        return base.SendAsync(request, cancellationToken);
    }
}
