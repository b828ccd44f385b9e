using IssueCore.Blueprints;

namespace IssueCore.Enhance;

/// <summary>Which version of the orbit (flow) Blueprint dispatches issues.</summary>
public abstract record VersionSelector
{
    private protected VersionSelector()
    {
    }

    /// <summary>Always the head of the series.</summary>
    public static VersionSelector Latest { get; } = new LatestVersionSelector();

    /// <summary>Exactly one version.</summary>
    public static VersionSelector Fixed(BlueprintVersion version) => new FixedVersionSelector(version);

    /// <summary>
    /// The highest version whose <c>metadata.version_label</c> satisfies a NuGet version range such
    /// as <c>[1.2,2.0)</c> or a floating form such as <c>1.*</c>. Caret forms like <c>^1.2</c> are
    /// accepted and mean <c>[1.2.0, 2.0.0)</c>.
    /// </summary>
    public static VersionSelector SemverRange(string range)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(range);
        return new SemverRangeVersionSelector(range);
    }
}

/// <summary>Selects the head of the series.</summary>
public sealed record LatestVersionSelector : VersionSelector
{
    internal LatestVersionSelector()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "latest";
}

/// <summary>Selects exactly one version.</summary>
public sealed record FixedVersionSelector : VersionSelector
{
    internal FixedVersionSelector(BlueprintVersion version) => Version = version;

    /// <summary>The version.</summary>
    public BlueprintVersion Version { get; }

    /// <inheritdoc />
    public override string ToString() => $"fixed:{Version}";
}

/// <summary>Selects the highest version whose label satisfies a semver range.</summary>
public sealed record SemverRangeVersionSelector : VersionSelector
{
    internal SemverRangeVersionSelector(string range) => Range = range;

    /// <summary>The range text.</summary>
    public string Range { get; }

    /// <inheritdoc />
    public override string ToString() => $"semver:{Range}";
}
