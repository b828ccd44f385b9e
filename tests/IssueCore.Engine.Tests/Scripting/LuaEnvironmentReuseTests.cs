using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// One state runs script after script with the same global environment table and the same table for an object input,
/// both emptied after every run. These run on one <see cref="LuaSandbox"/> directly, so the reuse is certain (the
/// counts of tables created prove it) and what the next run sees can only come from those tables.
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

    [Fact]
    public void Changes_a_run_makes_to_its_input_are_gone_in_the_next_run_on_the_same_input_table()
    {
        Run("""
            _CTX.added = 'yes'
            _CTX.a = 'changed'
            rawset(_CTX, 'raw', 1)
            _CTX[1] = 'first'
            table.insert(_CTX, 'second')
            return { ok = true }
            """, JsonNode.Parse("""{"a":1,"secret":"s"}"""));

        var result = Run("""
            local keys = {}
            for k in next, _CTX do keys[#keys + 1] = tostring(k) end
            table.sort(keys)
            return { ok = true, value = { keys = keys, b = _CTX.b, a = _CTX.a == nil, n = #_CTX } }
            """, new JsonObject { ["b"] = 2 });

        Assert.Equal("""{"a":true,"b":2,"keys":["b"],"n":0}""", CanonicalJson.Serialize(result));
        Assert.Equal(1, _sandbox.InputTablesCreated);
    }

    [Fact]
    public void The_input_table_keeps_its_object_mark_and_an_array_or_null_input_is_not_put_in_it()
    {
        Run("pcall(setmetatable, _CTX, nil) pcall(host.array, _CTX) return { ok = true }", new JsonObject { ["x"] = 1 });
        var empty = Run("return { ok = true, value = _CTX }", new JsonObject());
        var array = Run("return { ok = true, value = _CTX }", new JsonArray(1, 2));
        var none = Run("return { ok = true, value = _CTX == host.null }");

        Assert.Equal("{}", CanonicalJson.Serialize(empty));
        Assert.Equal("[1,2]", CanonicalJson.Serialize(array));
        Assert.True(none!.GetValue<bool>());
        Assert.Equal(1, _sandbox.InputTablesCreated);
    }

    [Fact]
    public void A_large_input_leaves_a_new_input_table_to_the_next_run()
    {
        var large = new JsonObject();
        for (var i = 0; i < 1000; i++)
        {
            large["k" + i] = i;
        }

        var count = Run("local n = 0 for _ in next, _CTX do n = n + 1 end return { ok = true, value = n }", large);
        var result = Run("return { ok = true, value = _CTX }", new JsonObject { ["a"] = 1 });

        Assert.Equal(1000, count!.GetValue<long>());
        Assert.Equal("""{"a":1}""", CanonicalJson.Serialize(result));
        Assert.Equal(2, _sandbox.InputTablesCreated);
    }
}
