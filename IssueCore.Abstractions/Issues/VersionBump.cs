namespace IssueCore.Issues;

/// <summary>Which part of the Blueprint's semver <c>version_label</c> an applied change bumps.</summary>
public enum VersionBump
{
    /// <summary>1.2.3 → 1.2.4 (the default).</summary>
    Patch = 0,

    /// <summary>1.2.3 → 1.3.0.</summary>
    Minor = 1,

    /// <summary>1.2.3 → 2.0.0.</summary>
    Major = 2,
}
