using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace IssueCore.AspNetCore.Security;

/// <summary>Checks the API key from <c>Authorization: Bearer</c> or <c>X-API-Key</c> in constant time.</summary>
internal sealed class ApiKeyAuthenticator
{
    internal const string ApiKeyHeader = "X-API-Key";

    // Keys are compared as SHA-256 digests so neither the content nor the length leaks through timing;
    // every configured key is compared, so neither does which one matched.
    private readonly byte[][] _expectedDigests;

    /// <param name="apiKeys">The accepted keys; none means anonymous development.</param>
    public ApiKeyAuthenticator(IReadOnlyCollection<string> apiKeys)
        => _expectedDigests = apiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    /// <summary>Whether any key is configured.</summary>
    public bool HasKeys => _expectedDigests.Length > 0;

    /// <summary>Whether the request may proceed: no key configured (anonymous development), or one of the keys presented.</summary>
    public bool IsAuthorized(HttpRequest request)
    {
        if (_expectedDigests.Length == 0)
        {
            return true;
        }

        var presented = PresentedKey(request);
        if (presented is null)
        {
            return false;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var expected in _expectedDigests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        return match;
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count == 1 && authorization[0] is { } value
            && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return value["Bearer ".Length..].Trim();
        }

        var apiKey = request.Headers[ApiKeyHeader];
        return apiKey.Count == 1 ? apiKey[0] : null;
    }
}
