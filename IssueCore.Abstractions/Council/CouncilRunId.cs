using System.Diagnostics.CodeAnalysis;

namespace IssueCore.Council;

/// <summary>The identifier of a flow run.</summary>
public readonly record struct CouncilRunId : IParsable<CouncilRunId>
{
    private readonly string? _value;

    private CouncilRunId(string value) => _value = value;

    /// <summary>The identifier text.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Creates a new random identifier.</summary>
    public static CouncilRunId New() => new(Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Creates a new identifier that sorts after those created earlier (a version 7 UUID of <paramref name="createdAt"/>):
    /// stores that index runs by id then add each new run at the end of the index instead of at a random place in it,
    /// which writes one index page per run instead of one anywhere in the index (and the pages above it on a split).
    /// </summary>
    /// <param name="createdAt">When the run is created (from the caller's <see cref="TimeProvider"/>).</param>
    public static CouncilRunId New(DateTimeOffset createdAt) => new(Guid.CreateVersion7(createdAt).ToString("N"));

    /// <summary>Parses and validates an identifier.</summary>
    /// <exception cref="ValidationException">The text is not a valid run id.</exception>
    public static CouncilRunId Parse(string value) => Parse(value, null);

    /// <inheritdoc />
    public static CouncilRunId Parse(string s, IFormatProvider? provider)
        => TryParse(s, provider, out var id) ? id : throw new ValidationException("$.run_id", $"'{s}' is not a valid run id.");

    /// <inheritdoc />
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out CouncilRunId result)
    {
        if (Identifiers.IsValid(s, 128))
        {
            result = new CouncilRunId(s);
            return true;
        }

        result = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
