using System.Globalization;
using NuGet.Versioning;

namespace IssueCore.Enhance;

/// <summary>
/// Parses the range of a <see cref="SemverRangeVersionSelector"/>: NuGet range syntax (<c>[1.2,2.0)</c>, <c>1.2</c>
/// meaning ≥ 1.2, floating <c>1.*</c>), plus the caret and tilde forms: <c>^1.2</c> → [1.2.0, 2.0.0),
/// <c>^0.2.3</c> → [0.2.3, 0.3.0), <c>^0.0.3</c> → [0.0.3, 0.0.4), <c>~1.2</c> → [1.2.0, 1.3.0).
/// </summary>
internal static class SemverRanges
{
    public static VersionRange Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length > 1 && trimmed[0] is '^' or '~')
        {
            var parts = trimmed[1..].Split('.');
            if (parts.Length is < 1 or > 3 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
            {
                throw Invalid(text);
            }

            var major = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var minor = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
            var patch = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
            var min = new NuGetVersion(major, minor, patch);
            NuGetVersion max;
            if (trimmed[0] == '~')
            {
                max = parts.Length == 1 ? new NuGetVersion(major + 1, 0, 0) : new NuGetVersion(major, minor + 1, 0);
            }
            else if (major > 0 || parts.Length == 1)
            {
                max = new NuGetVersion(major + 1, 0, 0);
            }
            else if (minor > 0 || parts.Length == 2)
            {
                max = new NuGetVersion(0, minor + 1, 0);
            }
            else
            {
                max = new NuGetVersion(0, 0, patch + 1);
            }

            return new VersionRange(min, includeMinVersion: true, max, includeMaxVersion: false);
        }

        return VersionRange.TryParse(trimmed, allowFloating: true, out var range) ? range : throw Invalid(text);
    }

    public static bool Satisfies(VersionRange range, NuGetVersion version)
        => range.IsFloating ? range.Float.Satisfies(version) && range.Satisfies(version) : range.Satisfies(version);

    private static ValidationException Invalid(string text)
        => new("$.selector.range", $"'{text}' is not a version range (use NuGet range syntax such as [1.2,2.0) or 1.*, or a caret/tilde form such as ^1.2 or ~1.2).");
}
