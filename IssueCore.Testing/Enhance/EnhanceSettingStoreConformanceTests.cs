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

    [Fact]
    public async Task Change_keeps_the_previous_setting_with_who_and_when_newest_first()
    {
        var id = EnhanceSettingId.Parse("nightly");
        var first = new EnhanceSetting(BlueprintId.Parse("flow-a"), VersionSelector.Latest, ["des"], TimeSpan.FromMinutes(1));
        var second = new EnhanceSetting(BlueprintId.Parse("flow-b"), VersionSelector.SemverRange("^2.1"), ["noop", "ünï ✓"], TimeSpan.FromMinutes(5));

        await Store.ChangeAsync(id, first, "alice");
        Time.Advance(TimeSpan.FromSeconds(30));
        await Store.ChangeAsync(id, second, "bob");

        var history = await Store.GetHistoryAsync(id);

        Contract.Equal(2, history.Count, "change keeps the previous setting with who and when newest first (checked: history.Count)");
        Contract.Equal("bob", history[0].ChangedBy, "change keeps the previous setting with who and when newest first (checked: history[0].ChangedBy)");
        Contract.Equal(StartTime.AddSeconds(30), history[0].ChangedAt, "change keeps the previous setting with who and when newest first (checked: history[0].ChangedAt)");
        AssertSame(second, history[0].Setting!);
        Contract.Equal("alice", history[1].ChangedBy, "change keeps the previous setting with who and when newest first (checked: history[1].ChangedBy)");
        Contract.Equal(StartTime, history[1].ChangedAt, "change keeps the previous setting with who and when newest first (checked: history[1].ChangedAt)");
        AssertSame(first, history[1].Setting!);
        Contract.All(history, c => Contract.Equal(id, c.SettingId, "change keeps the previous setting with who and when newest first (checked: c.SettingId)"), "change keeps the previous setting with who and when newest first (checked: SettingId)");
        AssertSame(second, await Store.GetAsync(id));
    }

    [Fact]
    public async Task Put_without_a_changer_is_recorded_with_no_name()
    {
        var setting = new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(10));

        await Store.PutAsync(EnhanceSettingId.Default, setting);

        var change = Contract.Single(await Store.GetHistoryAsync(EnhanceSettingId.Default), "put without a changer is recorded with no name (checked: history)");
        Contract.Null(change.ChangedBy, "put without a changer is recorded with no name (checked: change.ChangedBy)");
        Contract.False(change.Deleted, "put without a changer is recorded with no name (checked: change.Deleted)");
        AssertSame(setting, change.Setting!);
    }

    [Fact]
    public async Task Delete_removes_the_setting_and_is_recorded_in_its_history()
    {
        var id = EnhanceSettingId.Parse("nightly");
        var setting = new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(10));
        await Store.ChangeAsync(id, setting, "alice");
        Time.Advance(TimeSpan.FromMinutes(1));

        var deleted = await Store.DeleteAsync(id, "carol");
        var again = await Store.DeleteAsync(id, "dave");
        var history = await Store.GetHistoryAsync(id);

        Contract.True(deleted, "delete removes the setting and is recorded in its history (checked: deleted)");
        Contract.False(again, "delete removes the setting and is recorded in its history (checked: again)");
        Contract.Null(await Store.FindAsync(id), "delete removes the setting and is recorded in its history (checked: find after delete)");
        Contract.Equal(2, history.Count, "delete removes the setting and is recorded in its history (checked: history.Count)");
        Contract.True(history[0].Deleted, "delete removes the setting and is recorded in its history (checked: history[0].Deleted)");
        Contract.Null(history[0].Setting, "delete removes the setting and is recorded in its history (checked: history[0].Setting)");
        Contract.Equal("carol", history[0].ChangedBy, "delete removes the setting and is recorded in its history (checked: history[0].ChangedBy)");
        Contract.Equal(StartTime.AddMinutes(1), history[0].ChangedAt, "delete removes the setting and is recorded in its history (checked: history[0].ChangedAt)");
        Contract.Equal("alice", history[1].ChangedBy, "delete removes the setting and is recorded in its history (checked: history[1].ChangedBy)");
    }

    [Fact]
    public async Task History_of_an_unknown_setting_is_empty()
    {
        Contract.Empty(await Store.GetHistoryAsync(EnhanceSettingId.Parse("never")), "history of an unknown setting is empty");
    }

    [Fact]
    public async Task History_keeps_only_the_newest_changes_per_setting()
    {
        var id = EnhanceSettingId.Parse("busy");
        var other = EnhanceSettingId.Parse("quiet");
        await Store.ChangeAsync(other, new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, [], TimeSpan.FromSeconds(1)), "x");
        var total = EnhanceSettingChange.RetainedPerSetting + 5;
        for (var i = 1; i <= total; i++)
        {
            await Store.ChangeAsync(id, new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, [], TimeSpan.FromSeconds(i)), "editor-" + i);
        }

        var history = await Store.GetHistoryAsync(id);

        Contract.Equal(EnhanceSettingChange.RetainedPerSetting, history.Count, "history keeps only the newest changes per setting (checked: history.Count)");
        Contract.Equal("editor-" + total, history[0].ChangedBy, "history keeps only the newest changes per setting (checked: newest)");
        Contract.Equal("editor-6", history[^1].ChangedBy, "history keeps only the newest changes per setting (checked: oldest kept)");
        Contract.Single(await Store.GetHistoryAsync(other), "history keeps only the newest changes per setting (checked: other setting untouched)");
    }

    [Fact]
    public async Task List_returns_the_stored_setting_names_in_ordinal_order()
    {
        var setting = new EnhanceSetting(BlueprintId.Parse("flow"), VersionSelector.Latest, ["des"], TimeSpan.FromSeconds(10));
        foreach (var name in new[] { "b", "A", "a", "gone" })
        {
            await Store.PutAsync(EnhanceSettingId.Parse(name), setting);
        }

        await Store.DeleteAsync(EnhanceSettingId.Parse("gone"));

        var names = new List<string>();
        await foreach (var id in Store.ListAsync())
        {
            names.Add(id.Value);
        }

        Contract.Equal(["A", "a", "b"], names, "list returns the stored setting names in ordinal order (checked: names)");
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
