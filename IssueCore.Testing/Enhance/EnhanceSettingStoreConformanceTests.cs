using IssueCore.Blueprints;
using IssueCore.Enhance;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The conformance suite for <see cref="IEnhanceSettingStore"/>. Derive once, implement
/// <see cref="ConformanceTests{TStore}.CreateStoreAsync"/>, and every fact runs against the adapter.
/// </summary>
public abstract class EnhanceSettingStoreConformanceTests : ConformanceTests<IEnhanceSettingStore>
{
#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Find_of_an_unknown_setting_returns_null_and_get_throws_not_found()
    {
        Contract.Null(await Store.FindAsync(EnhanceSettingId.Default), "find of an unknown setting returns null and get throws not found (checked: await Store.FindAsync(EnhanceSettingId.Default))");
        var error = await Contract.ThrowsAsync<NotFoundException>(() => Store.GetAsync(EnhanceSettingId.Parse("nightly")), "find of an unknown setting returns null and get throws not found");
        Contract.Equal("nightly", error.Key, "find of an unknown setting returns null and get throws not found (checked: error.Key)");
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("fixed")]
    [InlineData("semver")]
    public async Task Put_then_find_returns_every_field(string selectorKind)
    {
        VersionSelector selector = selectorKind switch
        {
            "latest" => VersionSelector.Latest,
            "fixed" => VersionSelector.Fixed(BlueprintVersion.Parse(new string('d', 64))),
            _ => VersionSelector.SemverRange("[1.2,2.0)"),
        };
        var setting = new EnhanceSetting(BlueprintId.Parse("enhance-default"), selector, ["des", "canonical", "ünïcode-axis ✓"], TimeSpan.FromSeconds(90));

        await Store.PutAsync(EnhanceSettingId.Default, setting);
        var found = await Store.GetAsync(EnhanceSettingId.Default);

        AssertSame(setting, found);
    }

    [Fact]
    public async Task Put_then_find_keeps_whether_approval_is_required()
    {
        var gated = new EnhanceSetting(BlueprintId.Parse("enhance-default"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(30)) { RequireApproval = true };

        await Store.PutAsync(EnhanceSettingId.Default, gated);
        var found = await Store.GetAsync(EnhanceSettingId.Default);
        await Store.PutAsync(EnhanceSettingId.Default, gated with { RequireApproval = false });
        var cleared = await Store.GetAsync(EnhanceSettingId.Default);

        Contract.True(found.RequireApproval, "a setting that requires approval keeps it");
        Contract.False(cleared.RequireApproval, "a setting put again without approval no longer requires it");
    }

    [Fact]
    public async Task Put_replaces_the_previous_setting()
    {
        var id = EnhanceSettingId.Parse("nightly");
        await Store.PutAsync(id, new EnhanceSetting(BlueprintId.Parse("flow-a"), VersionSelector.Latest, EnhanceSetting.BuiltInAxes, TimeSpan.FromMinutes(1)));
        var replacement = new EnhanceSetting(BlueprintId.Parse("flow-b"), VersionSelector.SemverRange("^2.1"), ["noop"], TimeSpan.FromMinutes(5));

        await Store.PutAsync(id, replacement);

        AssertSame(replacement, await Store.GetAsync(id));
    }

    [Fact]
    public async Task Settings_under_different_names_are_independent()
    {
        var a = new EnhanceSetting(BlueprintId.Parse("flow-a"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(10));
        var b = new EnhanceSetting(BlueprintId.Parse("flow-b"), VersionSelector.Latest, [], TimeSpan.FromSeconds(20));

        await Store.PutAsync(EnhanceSettingId.Parse("a"), a);
        await Store.PutAsync(EnhanceSettingId.Parse("b"), b);

        AssertSame(a, await Store.GetAsync(EnhanceSettingId.Parse("a")));
        AssertSame(b, await Store.GetAsync(EnhanceSettingId.Parse("b")));
        Contract.Null(await Store.FindAsync(EnhanceSettingId.Default), "settings under different names are independent (checked: await Store.FindAsync(EnhanceSettingId.Default))");
    }

    [Fact]
    public async Task Changing_the_callers_list_after_put_does_not_change_the_stored_setting()
    {
        var axes = new List<string> { "des" };
        await Store.PutAsync(EnhanceSettingId.Default, new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, axes, TimeSpan.FromSeconds(10)));

        axes.Add("sneaky");

        Contract.Equal(["des"], (await Store.GetAsync(EnhanceSettingId.Default)).VerifierAxes, "changing the callers list after put does not change the stored setting (checked: (await Store.GetAsync(EnhanceSettingId.Default)).VerifierAxes)");
    }

    [Fact]
    public async Task Pre_cancelled_token_is_honoured()
    {
        var setting = new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(10));

        var other = EnhanceSettingId.Parse("other");
        await Store.PutAsync(other, setting);

        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(EnhanceSettingId.Default, setting, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(other, setting with { Ttl = TimeSpan.FromSeconds(99) }, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.FindAsync(other, CancelledToken), "pre cancelled token is honoured");
        await Contract.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetAsync(other, CancelledToken), "pre cancelled token is honoured");

        Contract.Null(await Store.FindAsync(EnhanceSettingId.Default), "pre cancelled token is honoured (checked: await Store.FindAsync(EnhanceSettingId.Default))");
        AssertSame(setting, await Store.GetAsync(other));
    }

#pragma warning restore CS1591

    private static void AssertSame(EnhanceSetting expected, EnhanceSetting actual)
    {
        Contract.Equal(expected.OrbitBlueprintId, actual.OrbitBlueprintId, "AssertSame (checked: actual.OrbitBlueprintId)");
        Contract.Equal(expected.Selector, actual.Selector, "AssertSame (checked: actual.Selector)");
        Contract.Equal(expected.VerifierAxes, actual.VerifierAxes, "AssertSame (checked: actual.VerifierAxes)");
        Contract.Equal(expected.Ttl, actual.Ttl, "AssertSame (checked: actual.Ttl)");
    }
}
