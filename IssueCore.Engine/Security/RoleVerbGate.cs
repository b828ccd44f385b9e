using System.Security.Cryptography;
using IssueCore.Council;
using Microsoft.Extensions.Options;

namespace IssueCore.Security;

/// <summary>The role/verb policy and the capability tokens: issues tokens and checks every gated operation.</summary>
internal sealed class RoleVerbGate(IOptions<IssueCoreOptions> options, SigningKeyProvider keys, TimeProvider timeProvider)
{
    /// <summary>Throws unless the policy lets <paramref name="role"/> perform <paramref name="verb"/>.</summary>
    public void EnsureRoleAllows(string role, string verb)
    {
        if (!RoleAllows(role, verb))
        {
            throw new AuthorizationException(verb, $"the role '{role}' may not '{verb}'.");
        }
    }

    public bool RoleAllows(string role, string verb)
        => options.Value.Security.RoleVerbs.TryGetValue(role, out var verbs) && verbs.Contains(verb);

    /// <summary>Issues a token for a run with every verb the role currently has.</summary>
    public CapToken Issue(CouncilRunId runId, string operatorId, string role, DateTimeOffset expiresAt)
    {
        var verbs = options.Value.Security.RoleVerbs.TryGetValue(role, out var v) ? v : new HashSet<string>();
        var claims = CapToken.EncodeClaims(runId, operatorId, role, verbs, expiresAt);
        return CapToken.FromIssued(claims, HMACSHA256.HashData(keys.Key, claims), runId, operatorId, role, verbs, expiresAt);
    }

    /// <summary>
    /// Throws unless the token is authentic (constant-time signature check), unexpired, for <paramref name="runId"/>,
    /// allows <paramref name="verb"/>, and the role still has the verb under the current policy.
    /// </summary>
    public CapToken Verify(CapToken? token, CouncilRunId runId, string verb)
    {
        if (token is null)
        {
            throw new AuthorizationException(verb, "no capability token was presented.");
        }

        if (!CapToken.TrySplit(token.Value, out var claims, out var signature))
        {
            throw new AuthorizationException(verb, "the capability token is malformed.");
        }

        var expected = HMACSHA256.HashData(keys.Key, claims);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            throw new AuthorizationException(verb, "the capability token's signature is not valid.");
        }

        // Trust only the claims that were signed, not the object the caller handed in.
        var verified = CapToken.Parse(token.Value);
        if (timeProvider.GetUtcNow() >= verified.ExpiresAt)
        {
            throw new AuthorizationException(verb, "the capability token has expired.");
        }

        if (verified.RunId != runId)
        {
            throw new AuthorizationException(verb, $"the capability token is for another run ('{verified.RunId}').");
        }

        if (!verified.Verbs.Contains(verb))
        {
            throw new AuthorizationException(verb, $"the capability token does not allow '{verb}'.");
        }

        EnsureRoleAllows(verified.Role, verb);
        return verified;
    }
}
