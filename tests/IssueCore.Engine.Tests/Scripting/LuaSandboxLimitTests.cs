using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// Hostile scripts that would spend unbounded time inside native code (library loops, the pattern matcher,
/// JSON conversions) where the instruction hook never runs. Each must fail with a typed budget error, and
/// the executor must keep working. Every call runs on the thread pool under a generous guard, so a hang
/// fails the test instead of hanging the run.
/// </summary>
public sealed class LuaSandboxLimitTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly ScriptBudget Budget = new() { MaxInstructions = 1_000_000, MaxMemoryBytes = 16 * 1024 * 1024, Timeout = TimeSpan.FromSeconds(20) };
    private readonly LuaScriptExecutor _executor = new(new LuaScriptExecutorOptions { PoolSize = 1 });

    public void Dispose() => _executor.Dispose();

    private Task<JsonNode?> Run(string source, ScriptBudget? budget = null, JsonNode? input = null, LuaScriptExecutor? executor = null) =>
        Task.Run(() => (executor ?? _executor).ExecuteAsync(new ScriptInvocation { Name = "test", Source = source, Input = input, Budget = budget ?? Budget }).AsTask()).WaitAsync(Guard);

    private async Task<ScriptException> Fails(string source, ScriptLimit limit, ScriptBudget? budget = null)
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run(source, budget));
        Assert.Equal(limit, ex.Limit);
        await AssertStillWorks();
        return ex;
    }

    private async Task AssertStillWorks()
    {
        var result = await Run("return { ok = true, value = _CTX.n + 1 }", input: new JsonObject { ["n"] = 41 });
        Assert.Equal(42, result!.GetValue<long>());
    }

    // ------------------------------------------------------------------ JSON conversions

    private const string Bomb = "local a = { 1 } for i = 1, 40 do a = { a, a } end ";

    [Theory]
    [InlineData("host.canonical_json(a) return { ok = true }")]
    [InlineData("host.content_hash(a) return { ok = true }")]
    [InlineData("host.json_patch(a, {}) return { ok = true }")]
    [InlineData("host.json_patch({}, { { op = 'add', path = '/x', value = a } }) return { ok = true }")]
    [InlineData("pcall(host.canonical_json, a) while true do end")]
    [InlineData("return { ok = true, value = a }")]
    public async Task Huge_shared_tables_hit_the_output_cap_in_every_conversion(string source)
    {
        await Fails(Bomb + source, ScriptLimit.OutputSize);
    }

    [Fact]
    public async Task Huge_error_value_becomes_a_short_description()
    {
        var ex = await Fails(Bomb + "error(a)", ScriptLimit.None);
        Assert.Contains("not shown", ex.ScriptMessage, StringComparison.Ordinal);
        Assert.True(ex.ScriptMessage.Length < 1000);

        ex = await Fails("error(string.rep('x', 3 * 1024 * 1024))", ScriptLimit.None, Budget with { MaxOutputBytes = 4096 });
        Assert.Contains("truncated", ex.ScriptMessage, StringComparison.Ordinal);
        Assert.True(ex.ScriptMessage.Length < 5000);

        ex = await Fails("return { ok = false, error = { code = 1, detail = string.rep('y', 10000) } }", ScriptLimit.None, Budget with { MaxOutputBytes = 4096 });
        Assert.Contains("not shown", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_that_keeps_copying_the_document_into_itself_hits_the_output_cap()
    {
        var ex = await Fails("""
            local ops = host.array()
            for i = 1, 60 do ops[i] = { op = 'copy', from = '', path = '/c' .. i } end
            host.json_patch({ seed = string.rep('s', 100) }, ops)
            return { ok = true }
            """, ScriptLimit.OutputSize, Budget with { MaxOutputBytes = 64 * 1024 });
        Assert.Contains("json_patch", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_applied_in_segments_reports_the_failing_operation_by_its_index()
    {
        var result = await Run("""
            local ops = host.array()
            for i = 1, 40 do ops[i] = { op = 'add', path = '/k' .. i, value = i } end
            ops[5] = { op = 'copy', from = '/k1', path = '/c' }
            ops[38] = { op = 'remove', path = '/missing' }
            local ok, err = pcall(host.json_patch, {}, ops)
            local fine = host.json_patch({}, { { op = 'add', path = '/a', value = 1 }, { op = 'copy', from = '/a', path = '/b' }, { op = 'move', from = '/a', path = '/c' } })
            return { ok = true, value = { ok, err, fine } }
            """);
        Assert.False(result![0]!.GetValue<bool>());
        Assert.Contains("$[37].path", result[1]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("""{"b":1,"c":1}""", CanonicalJson.Serialize(result[2]));
    }

    // ------------------------------------------------------------------ the Lua stack

    [Fact]
    public async Task A_deep_document_pushed_onto_a_nearly_full_stack_is_a_typed_error()
    {
        var options = new LuaScriptExecutorOptions { PoolSize = 1 }.AddPrimitive("deep", _ =>
        {
            JsonNode node = new JsonArray();
            for (var i = 0; i < 60; i++)
            {
                node = new JsonArray(node);
            }

            return node;
        });
        using var executor = new LuaScriptExecutor(options);
        var budget = new ScriptBudget { MaxInstructions = 500_000_000, MaxMemoryBytes = 256L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(25) };
        const string Source = """
            -- the most values the stack takes here
            local lo, hi = 1, 2000000
            while lo < hi do
              local mid = (lo + hi + 1) // 2
              if pcall(table.unpack, {}, 1, mid) then lo = mid else hi = mid - 1 end
            end
            local function climb(n, call)
              if n == 0 then
                local ok, err = pcall(call)
                return ok and "ok" or tostring(err)
              end
              local r = climb(n - 1, call)
              return r
            end
            local function probe(call, ...)
              local seen = {}
              for j = 0, 150 do
                local ok, r = pcall(climb, j, call)
                r = ok and r or "overflow"
                local key = r:find("too full", 1, true) and "full" or r == "ok" and "ok" or "other"
                seen[key] = (seen[key] or 0) + 1
              end
              return seen
            end
            local deep = host.array()
            local d = deep
            for i = 1, 10 do local n = host.array() d[1] = n d = n end
            -- each copy puts the whole document at its deepest point: the result is much deeper than the input
            local ops = host.array()
            local path = ''
            for i = 1, 10 do path = path .. '/0' end
            ops[1] = { op = 'copy', from = '', path = path .. '/-' }
            local primitive = probe(host.deep, table.unpack({}, 1, lo - 400))
            local patch = probe(function() return host.json_patch(deep, ops) end, table.unpack({}, 1, lo - 400))
            return { ok = true, value = { primitive = primitive, patch = patch } }
            """;
        var result = await Run(Source, budget, executor: executor);
        Assert.True(result!["primitive"]!["full"]?.GetValue<long>() > 0, result.ToJsonString());
        Assert.True(result["primitive"]!["ok"]?.GetValue<long>() > 0, result.ToJsonString());
        var again = await Run("return { ok = true, value = #host.deep() }", executor: executor);
        Assert.Equal(1, again!.GetValue<long>());
    }

    // ------------------------------------------------------------------ math.random

    [Fact]
    public async Task Each_run_draws_from_its_own_freshly_seeded_generator()
    {
        using var executor = new LuaScriptExecutor(new LuaScriptExecutorOptions { PoolSize = 1 });
        const string Draw = "local t = {} for i = 1, 8 do t[i] = math.random(0) end return { ok = true, value = t }";
        var seeded = await Run("math.randomseed(7) " + Draw, executor: executor);
        await Run("math.randomseed(7) return { ok = true }", executor: executor);
        var after = await Run(Draw, executor: executor);
        var another = await Run(Draw, executor: executor);
        var stream = (await Run("math.randomseed(7) local t = {} for i = 1, 64 do t[i] = math.random(0) end return { ok = true, value = t }", executor: executor))!
            .AsArray().Select(n => n!.GetValue<long>()).ToList();

        var afterValues = after!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
        Assert.DoesNotContain(afterValues, stream.Contains);
        Assert.NotEqual(CanonicalJson.Serialize(after), CanonicalJson.Serialize(another));
        Assert.Equal(CanonicalJson.Serialize(seeded), CanonicalJson.Serialize(new JsonArray(stream.Take(8).Select(v => (JsonNode)v).ToArray())));
    }
}
