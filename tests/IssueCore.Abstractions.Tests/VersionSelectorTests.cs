using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Abstractions.Tests;

public sealed class VersionSelectorTests
{
    private static readonly BlueprintVersion SomeVersion = BlueprintVersion.Parse(new string('a', 64));

    [Fact]
    public void Each_selector_kind_is_its_own_type_and_prints_its_rule()
    {
        Assert.IsType<LatestVersionSelector>(VersionSelector.Latest);
        Assert.Equal("latest", VersionSelector.Latest.ToString());

        var pinned = Assert.IsType<FixedVersionSelector>(VersionSelector.Fixed(SomeVersion));
        Assert.Equal(SomeVersion, pinned.Version);
        Assert.Equal("fixed:" + SomeVersion, pinned.ToString());

        var range = Assert.IsType<SemverRangeVersionSelector>(VersionSelector.SemverRange("[1.0.0, 2.0.0)"));
        Assert.Equal("[1.0.0, 2.0.0)", range.Range);
        Assert.Equal("semver:[1.0.0, 2.0.0)", range.ToString());
    }

    [Fact]
    public void Selectors_compare_by_value()
    {
        Assert.Equal(VersionSelector.Fixed(SomeVersion), VersionSelector.Fixed(BlueprintVersion.Parse(new string('A', 64))));
        Assert.Equal(VersionSelector.SemverRange("1.*"), VersionSelector.SemverRange("1.*"));
        Assert.NotEqual(VersionSelector.SemverRange("1.*"), VersionSelector.SemverRange("2.*"));
        Assert.NotEqual(VersionSelector.Latest, VersionSelector.Fixed(SomeVersion));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_semver_range_is_refused(string range)
    {
        Assert.ThrowsAny<ArgumentException>(() => VersionSelector.SemverRange(range));
    }

    [Fact]
    public void The_default_setting_axes_are_the_four_built_in_ones()
    {
        Assert.Equal(["des", "canonical", "noop", "agent-ref"], EnhanceSetting.BuiltInAxes);
    }
}
