using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class VersionSelectorTests
{
    /// <summary>
    /// Writes a new version of the enhance-default series whose patch spawner ignores the issue and adds
    /// <c>/metadata/flow_marker = "marker:value"</c>, so the target shows which flow version dispatched.
    /// </summary>
    private static async Task<BlueprintVersion> WriteMarkerFlowAsync(EnhanceHarness h, string label, string marker)
    {
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value;
        var node = EnhanceDefaults.Blueprint.ToJsonObject();
        node["metadata"]!["version_label"] = label;
        var agents = node["agents"]!.AsArray();
        agents[0] = new JsonObject
        {
            ["name"] = "patch-spawner",
            ["kind"] = "lua",
            ["spec"] = new JsonObject
            {
                ["source"] = $$"""
                    local ops = host.array()
                    ops[1] = { op = "add", path = "/metadata/flow_marker", value = "{{marker}}:" .. _CTX.issue.patch[1].value }
                    return { ok = true, value = { ok = true, ops = ops, rationale = "marker", bump = "patch" } }
                    """,
            },
        };
        var written = await h.Blueprints.WriteNewAsync(EnhanceDefaults.BlueprintId, Blueprint.FromNode(node), [head.Version], new CommitMetadata("flow " + label));
        return written.Value.Version;
    }

    private static async Task<string?> DispatchOneAsync(EnhanceHarness h, string value)
    {
        await h.EnqueueAsync($$"""[{"op":"replace","path":"/metadata/owner","value":"{{value}}"}]""");
        var outcome = await h.App.TickAsync();
        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await h.Blueprints.ReadHeadAsync(EnhanceHarness.Target)).Value;
        var metadata = head.Root.GetProperty("metadata");
        if (metadata.GetProperty("owner").GetString() == value)
        {
            return null; // the built-in flow applied the issue's own patch
        }

        var marker = metadata.GetProperty("flow_marker").GetString()!;
        Assert.EndsWith(":" + value, marker, StringComparison.Ordinal);
        return marker[..marker.IndexOf(':', StringComparison.Ordinal)];
    }

    private static async Task SelectAsync(EnhanceHarness h, VersionSelector selector)
    {
        var setting = await h.Settings.GetAsync(EnhanceSettingId.Default);
        await h.Settings.PutAsync(EnhanceSettingId.Default, setting with { Selector = selector });
    }

    [Fact]
    public async Task Latest_selects_the_head_of_the_orbit_series()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await WriteMarkerFlowAsync(h, "2.0.0", "v2");

        Assert.Equal("v2", await DispatchOneAsync(h, "x"));
    }

    [Fact]
    public async Task Fixed_selects_that_exact_version()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var v1 = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;
        await WriteMarkerFlowAsync(h, "2.0.0", "v2");
        await SelectAsync(h, VersionSelector.Fixed(v1));

        Assert.Null(await DispatchOneAsync(h, "x"));
    }

    [Theory]
    [InlineData("^1.0", "v1.5")]
    [InlineData("~1.2", "v1.2.7")]
    [InlineData("[1.0.0,1.2.0)", null)]
    [InlineData("2.*", "v2")]
    [InlineData("1.2", "v2")]
    public async Task Semver_range_selects_the_highest_satisfying_version_label(string range, string? expectedMarker)
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await WriteMarkerFlowAsync(h, "1.2.7", "v1.2.7");
        await WriteMarkerFlowAsync(h, "2.0.0", "v2");
        await WriteMarkerFlowAsync(h, "1.5.0", "v1.5");
        await SelectAsync(h, VersionSelector.SemverRange(range));

        Assert.Equal(expectedMarker, await DispatchOneAsync(h, "x"));
    }

    [Fact]
    public async Task Semver_range_that_matches_nothing_is_a_clear_error_and_the_issue_is_retried()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await SelectAsync(h, VersionSelector.SemverRange("^3"));
        await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, outcome!.Result);
        Assert.Contains("^3", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("NotFoundException", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Semver_range_over_a_label_that_is_not_semver_is_a_clear_error()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        await WriteMarkerFlowAsync(h, "banana", "b");
        await SelectAsync(h, VersionSelector.SemverRange("^1"));
        await h.EnqueueAsync("""[{"op":"replace","path":"/metadata/owner","value":"b"}]""");

        var outcome = await h.App.TickAsync();

        Assert.Equal(DispatchResult.Retrying, outcome!.Result);
        Assert.Contains("'banana', which is not a semantic version", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editing_the_setting_between_two_ticks_takes_effect_on_the_next_dispatch()
    {
        await using var h = await EnhanceHarness.CreateAsync();
        var v1 = (await h.Blueprints.ReadHeadAsync(EnhanceDefaults.BlueprintId)).Value.Version;
        await WriteMarkerFlowAsync(h, "2.0.0", "v2");

        var first = await DispatchOneAsync(h, "one");
        await SelectAsync(h, VersionSelector.Fixed(v1));
        var second = await DispatchOneAsync(h, "two");
        await SelectAsync(h, VersionSelector.SemverRange("^2"));
        var third = await DispatchOneAsync(h, "three");

        Assert.Equal("v2", first);
        Assert.Null(second);
        Assert.Equal("v2", third);
    }
}
