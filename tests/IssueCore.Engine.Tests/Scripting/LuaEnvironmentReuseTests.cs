using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// One state runs script after script with the same global environment table, emptied after every run. These run
/// on one <see cref="LuaSandbox"/> directly, so the reuse is certain (the count of environments created proves it)
/// and what the next run sees can only come from that table.
/// </summary>
public sealed class LuaEnvironmentReuseTests : IDisposable
{
    private static readonly EffectiveBudget Budget = new(10_000_000, 16 * 1024 * 1024, DateTimeOffset.MaxValue, 64, 1024 * 1024);

    private readonly LuaSandbox _sandbox = new(TimeProvider.System, new Dictionary<string, Func<JsonNode?, JsonNode?>>(), 16);
    private long _nextId;

    public void Dispose() => _sandbox.Dispose();

    private JsonNode? Run(string source, JsonNode? input = null) =>
        _sandbox.Run("test", new ScriptSource(Interlocked.Increment(ref _nextId), "test", source), input, Budget, CancellationToken.None);

    private const string ReadLeaks = """
        return { ok = true, value = { leaked == nil, raw == nil, via_g == nil, via_env == nil, via_load == nil,
                                      kept == nil, _G == _ENV, _CTX.secret == nil } }
        """;

    [Fact]
    public void Globals_written_in_every_way_are_gone_in_the_next_run_on_the_same_environment()
    {
        Run("""
            leaked = 'yes'
            rawset(_G, 'raw', 1)
            _G.via_g = 2
            _ENV.via_env = 3
            load('via_load = 4', 'x', 't', _G)()
            kept = _CTX
            return { ok = true }
            """, new JsonObject { ["secret"] = "s" });

        var result = Run(ReadLeaks, new JsonObject());

        Assert.Equal("[true,true,true,true,true,true,true,true]", CanonicalJson.Serialize(result));
        Assert.Equal(1, _sandbox.EnvironmentsCreated);
    }

    [Fact]
    public void Globals_of_a_run_that_raised_are_gone_in_the_next_run()
    {
        var ex = Assert.Throws<ScriptException>(() => Run("leaked = 'yes' raw = 1 error('boom')"));
        Assert.Contains("boom", ex.ScriptMessage, StringComparison.Ordinal);
        Assert.False(_sandbox.Poisoned);

        var result = Run(ReadLeaks, new JsonObject());

        Assert.Equal("[true,true,true,true,true,true,true,true]", CanonicalJson.Serialize(result));
        Assert.Equal(1, _sandbox.EnvironmentsCreated);
    }

    [Fact]
    public void The_environment_holds_only_the_run_s_own_globals()
    {
        Run("a = 1 b = 2 return { ok = true }", new JsonObject { ["x"] = 1 });

        var result = Run("local n = 0 for k in next, _G do n = n + 1 end return { ok = true, value = n }", new JsonObject());

        Assert.Equal(2, result!.GetValue<long>()); // _G and _CTX
    }

    [Fact]
    public void A_run_that_grew_the_environment_leaves_a_new_one_to_the_next_run()
    {
        Run("return { ok = true }");
        Run("for i = 1, 2000 do _G['g' .. i] = i end for i = 1, 2000 do _G['g' .. i] = nil end return { ok = true }");
        Assert.Equal(1, _sandbox.EnvironmentsCreated);

        var result = Run("return { ok = true, value = g1 == nil and g2000 == nil }");
        Run("return { ok = true }");

        Assert.True(result!.GetValue<bool>());
        Assert.Equal(2, _sandbox.EnvironmentsCreated);
    }

    [Fact]
    public void The_environment_s_metatable_cannot_be_changed_for_a_later_run()
    {
        Run("pcall(setmetatable, _G, { __index = function() return 'evil' end }) pcall(rawset, getmetatable(_G) or {}, '__index', nil) return { ok = true }");

        var result = Run("return { ok = true, value = { anything == nil, type(string.upper), getmetatable(_G) } }");

        Assert.Equal("""[true,"function",false]""", CanonicalJson.Serialize(result));
        Assert.Equal(1, _sandbox.EnvironmentsCreated);
    }
}
