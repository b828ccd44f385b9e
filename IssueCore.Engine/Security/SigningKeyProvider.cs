using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace IssueCore.Security;

/// <summary>Holds the token signing key: the configured one, or a random development key generated once per service provider.</summary>
internal sealed class SigningKeyProvider(IOptions<IssueCoreOptions> options)
{
    private readonly Lazy<byte[]> _key = new(() =>
    {
        var security = options.Value.Security;
        return security.SigningKey is { Length: > 0 } configured
            ? Convert.FromBase64String(configured)
            : RandomNumberGenerator.GetBytes(IssueCoreSecurityOptions.MinimumKeyBytes);
    });

    public byte[] Key => _key.Value;
}
