using IssueCore.Json;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// Documents that nest without bound must end in a typed error, never in a stack overflow. Each case runs
/// in a child process: a regression kills that process and fails the test instead of the test host.
/// </summary>
public sealed class LuaDeepJsonTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_patch_that_keeps_copying_a_member_into_itself_ends_in_a_typed_depth_error()
    {
        // 5,500 copies of "/a" into "/a/a": a 220 KB patch, each operation nesting the document one level deeper.
        var (exitCode, output, error) = await ChildProcess.RunAsync(Guard, "self-nesting-copy", "5500");

        Assert.True(exitCode == 0, $"the helper died with exit code {exitCode}: {error}");
        Assert.StartsWith("ScriptException ", output, StringComparison.Ordinal);
        Assert.Contains("host.json_patch", output, StringComparison.Ordinal);
        Assert.Contains($"at most {JsonLimits.MaxDocumentDepth}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_whose_copies_double_the_depth_each_time_ends_in_a_typed_depth_error()
    {
        // 17 copies of "/a" to the deepest point inside "/a": a 262 KB patch that would nest 65,536 levels deep.
        var (exitCode, output, error) = await ChildProcess.RunAsync(Guard, "doubling-copy", "17");

        Assert.True(exitCode == 0, $"the helper died with exit code {exitCode}: {error}");
        Assert.StartsWith("ScriptException ", output, StringComparison.Ordinal);
        Assert.Contains("host.json_patch", output, StringComparison.Ordinal);
        Assert.Contains($"at most {JsonLimits.MaxDocumentDepth}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_that_stays_within_the_depth_limit_still_applies()
    {
        var (exitCode, output, error) = await ChildProcess.RunAsync(Guard, "self-nesting-copy", "40");

        Assert.True(exitCode == 0, $"the helper died with exit code {exitCode}: {error}");
        Assert.Equal("ok 42", output.Trim());
    }

    [Fact]
    public async Task A_very_deep_input_ends_in_a_typed_depth_error()
    {
        var (exitCode, output, error) = await ChildProcess.RunAsync(Guard, "deep-input", "100000");

        Assert.True(exitCode == 0, $"the helper died with exit code {exitCode}: {error}");
        Assert.StartsWith("ScriptException Depth ", output, StringComparison.Ordinal);
    }
}
