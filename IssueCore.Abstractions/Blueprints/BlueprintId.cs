using System.Diagnostics.CodeAnalysis;

namespace IssueCore.Blueprints;

/// <summary>
/// The identifier of a Blueprint series: 1 to 200 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c> or <c>:</c>.
/// </summary>
public readonly record struct BlueprintId : IParsable<BlueprintId>
{
    private const int MaxLength = 200;
    private readonly string? _value;

    private BlueprintId(string value) => _value = value;

    /// <summary>The identifier text.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Parses and validates an identifier.</summary>
    /// <exception cref="ValidationException">The text is not a valid Blueprint id.</exception>
    public static BlueprintId Parse(string value) => Parse(value, null);

    /// <inheritdoc />
    public static BlueprintId Parse(string s, IFormatProvider? provider)
        => TryParse(s, provider, out var id) ? id : throw new ValidationException("$.blueprint_id", $"'{s}' is not a valid Blueprint id (1-{MaxLength} characters of letters, digits, '-', '_', '.', ':').");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out BlueprintId result)
    {
        if (Identifiers.IsValid(s, MaxLength))
        {
            result = new BlueprintId(s);
            return true;
        }

        result = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
