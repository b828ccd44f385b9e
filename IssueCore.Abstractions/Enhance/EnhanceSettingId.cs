using System.Diagnostics.CodeAnalysis;

namespace IssueCore.Enhance;

/// <summary>The name of an enhance setting. Most hosts use <see cref="Default"/>.</summary>
public readonly record struct EnhanceSettingId : IParsable<EnhanceSettingId>
{
    private readonly string? _value;

    private EnhanceSettingId(string value) => _value = value;

    /// <summary>The setting every dispatcher reads unless configured otherwise: <c>"default"</c>.</summary>
    public static EnhanceSettingId Default { get; } = new("default");

    /// <summary>The name.</summary>
    public string Value => _value ?? "default";

    /// <summary>Parses and validates a name.</summary>
    /// <exception cref="ValidationException">The text is not a valid setting id.</exception>
    public static EnhanceSettingId Parse(string value) => Parse(value, null);

    /// <inheritdoc />
    public static EnhanceSettingId Parse(string s, IFormatProvider? provider)
        => TryParse(s, provider, out var id) ? id : throw new ValidationException("$.setting_id", $"'{s}' is not a valid setting id.");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out EnhanceSettingId result)
    {
        if (Identifiers.IsValid(s, 128))
        {
            result = new EnhanceSettingId(s);
            return true;
        }

        result = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
