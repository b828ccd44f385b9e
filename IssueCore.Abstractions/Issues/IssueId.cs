using System.Diagnostics.CodeAnalysis;

namespace IssueCore.Issues;

/// <summary>
/// The identifier of an issue: 1 to 128 characters of letters, digits, <c>-</c>, <c>_</c>, <c>.</c> or <c>:</c>.
/// </summary>
public readonly record struct IssueId : IParsable<IssueId>
{
    private const int MaxLength = 128;

    private readonly string? _value;

    private IssueId(string value) => _value = value;

    /// <summary>The identifier text.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Creates a new random identifier (a 32-character lowercase hex GUID).</summary>
    public static IssueId New() => new(Guid.NewGuid().ToString("N"));

    /// <summary>Parses and validates an identifier.</summary>
    /// <exception cref="ValidationException">The text is not a valid issue id.</exception>
    public static IssueId Parse(string value) => Parse(value, null);

    /// <inheritdoc />
    public static IssueId Parse(string s, IFormatProvider? provider)
        => TryParse(s, provider, out var id) ? id : throw new ValidationException("$.issue_id", $"'{s}' is not a valid issue id (1-{MaxLength} characters of letters, digits, '-', '_', '.', ':').");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out IssueId result)
    {
        if (Identifiers.IsValid(s, MaxLength))
        {
            result = new IssueId(s);
            return true;
        }

        result = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
