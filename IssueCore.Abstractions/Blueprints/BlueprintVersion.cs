using System.Diagnostics.CodeAnalysis;

namespace IssueCore.Blueprints;

/// <summary>
/// A Blueprint version: the lowercase hex SHA-256 of the document's RFC 8785 canonical UTF-8 bytes.
/// Same content, same version, on every machine.
/// </summary>
public readonly record struct BlueprintVersion : IParsable<BlueprintVersion>
{
    private readonly string? _value;

    private BlueprintVersion(string value) => _value = value;

    /// <summary>The 64 lowercase hex digits.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>A short form (the first 12 digits) for display.</summary>
    public string Short => Value.Length >= 12 ? Value[..12] : Value;

    /// <summary>Parses a version (64 hex digits; upper case is accepted and lowered).</summary>
    /// <exception cref="ValidationException">The text is not 64 hex digits.</exception>
    public static BlueprintVersion Parse(string value) => Parse(value, null);

    /// <inheritdoc />
    public static BlueprintVersion Parse(string s, IFormatProvider? provider)
        => TryParse(s, provider, out var v) ? v : throw new ValidationException("$.version", $"'{s}' is not a Blueprint version (64 hex digits).");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out BlueprintVersion result)
    {
        if (s is { Length: 64 } && s.All(char.IsAsciiHexDigit))
        {
            result = new BlueprintVersion(s.ToLowerInvariant());
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>Computes the version of a document from its JSON (canonicalised first).</summary>
    public static BlueprintVersion Of(Blueprint blueprint)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        return blueprint.Version;
    }

    internal static BlueprintVersion FromHash(string lowerHex) => new(lowerHex);

    /// <inheritdoc />
    public override string ToString() => Value;
}
