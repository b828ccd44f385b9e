using System.Buffers.Text;

using System.Text.Json;
using IssueCore.Council;

namespace IssueCore.Security;

/// <summary>
/// A capability token for one run: the run id, the operator, the role, the verbs it allows and its expiry,
/// signed with HMAC-SHA256 under <see cref="IssueCoreSecurityOptions.SigningKey"/>. Its text form
/// (<see cref="Value"/>, <c>v1.&lt;claims&gt;.&lt;signature&gt;</c>, base64url) is what a caller stores and
/// presents; <see cref="Parse"/> reads it back. The claims are only trusted after the engine verified the signature.
/// </summary>
public sealed class CapToken
{
    private const string Prefix = "v1.";

    private CapToken(string value, CouncilRunId runId, string operatorId, string role, IReadOnlySet<string> verbs, DateTimeOffset expiresAt)
    {
        Value = value;
        RunId = runId;
        OperatorId = operatorId;
        Role = role;
        Verbs = verbs;
        ExpiresAt = expiresAt;
    }

    /// <summary>The token's text form.</summary>
    public string Value { get; }

    /// <summary>The run (task) the token is for.</summary>
    public CouncilRunId RunId { get; }

    /// <summary>Who the token was issued to.</summary>
    public string OperatorId { get; }

    /// <summary>The holder's role.</summary>
    public string Role { get; }

    /// <summary>The verbs the token allows on its run.</summary>
    public IReadOnlySet<string> Verbs { get; }

    /// <summary>When the token stops being accepted.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Reads a token's text form. Does not verify the signature: the engine does that on every use.</summary>
    /// <exception cref="AuthorizationException">The text is not a well-formed token.</exception>
    public static CapToken Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TrySplit(value, out var claims, out _))
        {
            throw Malformed();
        }

        try
        {
            using var doc = JsonDocument.Parse(claims);
            var root = doc.RootElement;
            var verbs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in root.GetProperty("verbs").EnumerateArray())
            {
                verbs.Add(v.GetString() ?? throw Malformed());
            }

            return new CapToken(
                value,
                CouncilRunId.Parse(root.GetProperty("run").GetString() ?? throw Malformed()),
                root.GetProperty("op").GetString() ?? throw Malformed(),
                root.GetProperty("role").GetString() ?? throw Malformed(),
                verbs,
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("exp").GetInt64()));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or ValidationException or ArgumentOutOfRangeException or FormatException)
        {
            throw Malformed();
        }
    }

    /// <summary>Returns <see cref="Value"/>.</summary>
    public override string ToString() => Value;

    internal static byte[] EncodeClaims(CouncilRunId runId, string operatorId, string role, IEnumerable<string> verbs, DateTimeOffset expiresAt)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("run", runId.Value);
            writer.WriteString("op", operatorId);
            writer.WriteString("role", role);
            writer.WriteStartArray("verbs");
            foreach (var verb in verbs.Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(verb);
            }

            writer.WriteEndArray();
            writer.WriteNumber("exp", expiresAt.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The token for claims the caller just encoded with <see cref="EncodeClaims"/> and signed: the same token
    /// <see cref="Parse"/> reads from its text form (the expiry at millisecond precision), without reading it back.
    /// </summary>
    internal static CapToken FromIssued(byte[] claims, byte[] signature, CouncilRunId runId, string operatorId, string role, IEnumerable<string> verbs, DateTimeOffset expiresAt)
        => new(
            Compose(claims, signature),
            runId,
            operatorId,
            role,
            new HashSet<string>(verbs, StringComparer.Ordinal),
            DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds()));

    internal static string Compose(byte[] claims, byte[] signature)
        => Prefix + Base64Url.EncodeToString(claims) + "." + Base64Url.EncodeToString(signature);

    /// <summary>Splits the text form into the signed claim bytes and the signature.</summary>
    internal static bool TrySplit(string value, out byte[] claims, out byte[] signature)
    {
        claims = [];
        signature = [];
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = value[Prefix.Length..].Split('.');
        if (parts.Length != 2 || !Base64Url.IsValid(parts[0]) || !Base64Url.IsValid(parts[1]))
        {
            return false;
        }

        try
        {
            claims = Base64Url.DecodeFromChars(parts[0]);
            signature = Base64Url.DecodeFromChars(parts[1]);
            // Reject non-canonical encodings so each token has exactly one text form.
            return string.Equals(Base64Url.EncodeToString(claims), parts[0], StringComparison.Ordinal)
                && string.Equals(Base64Url.EncodeToString(signature), parts[1], StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static AuthorizationException Malformed() => new("token", "the capability token is malformed.");

}
