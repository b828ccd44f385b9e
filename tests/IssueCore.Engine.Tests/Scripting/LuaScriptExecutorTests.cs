using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

public sealed class LuaScriptExecutorTests : IDisposable
{
    private static readonly ScriptBudget SmallBudget = new() { MaxInstructions = 200_000, MaxMemoryBytes = 4 * 1024 * 1024 };
    private readonly LuaScriptExecutor _executor = new(new LuaScriptExecutorOptions { PoolSize = 2 });

    public void Dispose() => _executor.Dispose();

    private ValueTask<JsonNode?> Run(string source, JsonNode? input = null, ScriptBudget? budget = null, CancellationToken ct = default) =>
        _executor.ExecuteAsync(new ScriptInvocation { Name = "test", Source = source, Input = input, Budget = budget ?? SmallBudget }, ct);

    private async Task AssertStillWorks()
    {
        var result = await Run("return { ok = true, value = _CTX.n + 1 }", new JsonObject { ["n"] = 41 });
        Assert.Equal(42, result!.GetValue<long>());
    }

    private static readonly ScriptBudget MemoryBudget = new() { MaxInstructions = 100_000_000, MaxMemoryBytes = 4 * 1024 * 1024 };

    private async Task<ScriptException> Fails(string source, ScriptLimit limit, ScriptBudget? budget = null)
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run(source, budget: budget).AsTask());
        Assert.Equal(limit, ex.Limit);
        Assert.Equal("test", ex.ScriptName);
        await AssertStillWorks();
        return ex;
    }

    [Fact]
    public async Task Script_reads_ctx_and_returns_value()
    {
        var result = await Run("return { ok = true, value = { sum = _CTX.a + _CTX.b, name = _CTX.name } }",
            JsonNode.Parse("""{"a":2,"b":3,"name":"héllo ✓"}"""));
        Assert.Equal("""{"name":"héllo ✓","sum":5}""", CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Registered_script_runs_by_fn_id_and_unknown_id_is_not_found()
    {
        _executor.RegisterScript("double", "return { ok = true, value = _CTX * 2 }");
        var result = await _executor.ExecuteAsync(new ScriptInvocation { Name = "d", FnId = "double", Input = 21 });
        Assert.Equal(42, result!.GetValue<long>());
        await Assert.ThrowsAsync<NotFoundException>(() => _executor.ExecuteAsync(new ScriptInvocation { Name = "x", FnId = "missing" }).AsTask());
    }

    [Fact]
    public async Task Registers_embedded_scripts_by_prefix()
    {
        Assert.Equal(1, _executor.RegisterEmbeddedScripts(typeof(LuaScriptExecutorTests).Assembly, "Tests.Scripts."));
        var result = await _executor.ExecuteAsync(new ScriptInvocation { Name = "greet", FnId = "greet", Input = new JsonObject { ["name"] = "ada" } });
        Assert.Equal("hello ada", result!["greeting"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deadline_already_passed_fails_before_the_script_runs()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var executor = new LuaScriptExecutor(timeProvider: time);
        var ex = await Assert.ThrowsAsync<ScriptException>(() => executor.ExecuteAsync(
            new ScriptInvocation { Name = "late", Source = "return { ok = true }", Deadline = time.GetUtcNow().AddSeconds(-1) }).AsTask());
        Assert.Equal(ScriptLimit.Deadline, ex.Limit);
    }

    [Fact]
    public void Registering_a_script_with_a_syntax_error_is_a_validation_error()
    {
        var ex = Assert.Throws<ValidationException>(() => _executor.RegisterScript("bad", "return {"));
        Assert.Equal("bad", ex.Path);
    }

    [Fact]
    public async Task Registers_scripts_from_a_directory()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "sub", "one.lua"), "return { ok = true, value = 1 }");
            Assert.Equal(1, _executor.RegisterScriptsFromDirectory(dir.FullName));
            var result = await _executor.ExecuteAsync(new ScriptInvocation { Name = "one", FnId = "sub/one" });
            Assert.Equal(1, result!.GetValue<long>());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Error_raised_by_script_is_a_script_exception_with_message_and_traceback()
    {
        var ex = await Fails("local function inner() error('boom') end inner()", ScriptLimit.None);
        Assert.Contains("boom", ex.ScriptMessage, StringComparison.Ordinal);
        Assert.Contains("inner", ex.Traceback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_with_a_table_value_carries_its_json()
    {
        var ex = await Fails("error({ code = 7, why = 'no' })", ScriptLimit.None);
        Assert.Equal("""{"code":7,"why":"no"}""", ex.ScriptMessage);
    }

    [Fact]
    public async Task Ok_false_envelope_fails_with_its_error()
    {
        var ex = await Fails("return { ok = false, error = 'rejected' }", ScriptLimit.None);
        Assert.Equal("rejected", ex.ScriptMessage);
    }

    [Theory]
    [InlineData("return 5")]
    [InlineData("return { value = 1 }")]
    [InlineData("return")]
    public async Task Anything_but_the_envelope_is_rejected(string source)
    {
        var ex = await Fails(source, ScriptLimit.None);
        Assert.Contains("ok = true", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("return { ok = true, value = function() end }", "function")]
    [InlineData("return { ok = true, value = { f = print or tostring } }", "function")]
    [InlineData("return { ok = true, value = { [true] = 1 } }", "boolean")]
    [InlineData("return { ok = true, value = { 1, 2, x = 3 } }", "mixes")]
    [InlineData("return { ok = true, value = { [1] = 1, [3] = 3 } }", "sequence")]
    [InlineData("return { ok = true, value = 0/0 }", "JSON")]
    [InlineData("return { ok = true, value = '\\xff' }", "UTF-8")]
    public async Task Non_json_results_are_clear_script_errors(string source, string expected)
    {
        var ex = await Fails(source, ScriptLimit.None);
        Assert.Contains(expected, ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_referencing_table_hits_the_depth_limit()
    {
        await Fails("local t = {} t.self = t return { ok = true, value = t }", ScriptLimit.Depth);
    }

    [Fact]
    public async Task Input_deeper_than_the_limit_is_rejected()
    {
        // Deeper than the default limit, the depth of an engine record.
        JsonNode node = new JsonArray();
        for (var i = 0; i < IssueCore.Json.JsonLimits.MaxRecordDepth + 5; i++)
        {
            node = new JsonArray(node);
        }

        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run("return { ok = true }", node).AsTask());
        Assert.Equal(ScriptLimit.Depth, ex.Limit);
    }

    [Fact]
    public async Task Output_larger_than_the_limit_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run("return { ok = true, value = string.rep('x', 5000) }", budget: SmallBudget with { MaxOutputBytes = 1000 }).AsTask());
        Assert.Equal(ScriptLimit.OutputSize, ex.Limit);
    }

    [Fact]
    public Task Endless_loop_exhausts_the_instruction_budget() => Fails("while true do end", ScriptLimit.Instructions);

    [Fact]
    public Task Pcall_cannot_swallow_the_instruction_budget() =>
        Fails("while true do pcall(function() while true do end end) end", ScriptLimit.Instructions);

    [Fact]
    public Task Endless_loop_inside_a_sort_comparator_is_stopped() =>
        Fails("table.sort({3,2,1,5,4}, function(a, b) while true do end end) return { ok = true }", ScriptLimit.Instructions);

    [Fact]
    public Task Endless_loop_inside_gsub_callback_under_pcall_is_stopped() =>
        Fails("while true do pcall(string.gsub, 'aaa', 'a', function() while true do end end) end", ScriptLimit.Instructions);

    [Theory]
    [InlineData("xpcall(function() while true do end end, function() while true do end end)")]
    [InlineData("local t = setmetatable({}, { __index = function() while true do end end }) table.concat(t, ',', 1, 2)")]
    [InlineData("tostring(setmetatable({}, { __tostring = function() while true do end end }))")]
    [InlineData("local t = setmetatable({}, { __close = function() while true do end end }) do local x <close> = t end")]
    [InlineData("while true do local ok = pcall(error, 'x') end")]
    public async Task Loops_in_non_yieldable_places_are_stopped(string source)
    {
        await Fails(source + " return { ok = true }", ScriptLimit.Instructions);
    }

    [Fact]
    public async Task Xpcall_returns_every_result_on_success_and_the_handler_value_on_error()
    {
        var result = await Run("""
            local a, b, c = xpcall(function(x, y) return x, y end, function(e) return 'unused' end, 1, 2)
            local ok, handled = xpcall(function() error('boom', 0) end, function(e) return 'handled ' .. e end)
            local ok2, inner = xpcall(function() error('first', 0) end, function() error('second', 0) end)
            return { ok = true, value = { a = a, b = b, c = c, ok = ok, handled = handled, ok2 = ok2, inner = inner } }
            """);

        Assert.Equal(
            """{"a":true,"b":1,"c":2,"handled":"handled boom","inner":"second","ok":false,"ok2":false}""",
            IssueCore.Json.CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Deep_recursion_fails_cleanly()
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run("local function f(n) return 1 + f(n + 1) end return { ok = true, value = f(1) }", budget: new ScriptBudget { MaxInstructions = 50_000_000, MaxMemoryBytes = 64 * 1024 * 1024 }).AsTask());
        Assert.NotNull(ex.ScriptMessage);
        await AssertStillWorks();
    }

    [Fact]
    public Task String_rep_bomb_hits_the_memory_cap() => Fails("local s = string.rep('x', 2^30) return { ok = true }", ScriptLimit.Memory);

    [Fact]
    public async Task String_rep_beyond_the_string_size_limit_is_refused_by_lua()
    {
        var ex = await Fails("local s = string.rep('x', 2^40) return { ok = true }", ScriptLimit.None);
        Assert.Contains("too large", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public Task Table_growth_bomb_hits_the_memory_cap() =>
        Fails("local t = {} local i = 0 while true do i = i + 1 t[i] = { i, i, i } end", ScriptLimit.Memory, MemoryBudget);

    [Fact]
    public Task Pcall_cannot_swallow_the_memory_cap() =>
        Fails("local t = {} while true do pcall(function() local s = string.rep('x', 2^30) end) t[#t + 1] = {} end", ScriptLimit.Memory, MemoryBudget);

    [Fact]
    public Task Concatenation_bomb_hits_the_memory_cap() =>
        Fails("local s = 'x' while true do s = s .. s end", ScriptLimit.Memory, MemoryBudget);

    [Theory]
    [InlineData("os.execute('echo hi')")]
    [InlineData("io.open('/etc/passwd')")]
    [InlineData("require('os')")]
    [InlineData("dofile('/etc/passwd')")]
    [InlineData("loadfile('/etc/passwd')")]
    [InlineData("debug.getinfo(1)")]
    [InlineData("string.dump(function() end)")]
    [InlineData("coroutine.yield(1)")]
    [InlineData("package.loaded.os.exit()")]
    [InlineData("print('x')")]
    [InlineData("collectgarbage('stop')")]
    [InlineData("setmetatable({}, { __gc = function() end })")]
    [InlineData("assert(load('\\27Lua'))()")]
    [InlineData("getmetatable('').__index.upper = nil")]
    [InlineData("string.x = 1")]
    [InlineData("rawset(string, 'upper', 1)")]
    [InlineData("setmetatable(string, {})")]
    [InlineData("setmetatable(_G, {})")]
    [InlineData("table.insert(math, 1)")]
    public async Task Hostile_calls_fail_as_script_errors(string source)
    {
        await Fails(source + " return { ok = true }", ScriptLimit.None);
    }

    [Fact]
    public async Task Bytecode_cannot_be_loaded()
    {
        var ex = await Fails("local f, err = load('\\27LuaT\\0') error(err)", ScriptLimit.None);
        Assert.Contains("binary", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_without_env_cannot_reach_the_real_globals()
    {
        var result = await Run("local f = load('x = 1 return string.upper(\"a\"), x') local u, x = f() return { ok = true, value = { u, x, y == nil } }");
        Assert.Equal("""["A",1,true]""", CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Globals_and_library_changes_do_not_leak_into_the_next_run()
    {
        for (var i = 0; i < 4; i++)
        {
            await Run("""
                leaked = 'yes'
                pcall(function() getmetatable('').__index.upper = nil end)
                pcall(function() string.upper = nil end)
                pcall(function() rawset(string, 'upper', nil) end)
                pcall(function() rawset(getmetatable(''), '__index', {}) end)
                pcall(function() setmetatable(_G, { __index = function() return 'evil' end }) end)
                return { ok = true }
                """);
        }

        var result = await Run("return { ok = true, value = { leaked == nil, ('abc'):upper(), string.upper('x'), type(getmetatable('')) } }");
        Assert.Equal("""[true,"ABC","X","table"]""", CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Pairs_over_a_library_proxy_does_not_hand_out_the_real_table()
    {
        var result = await Run("local n = 0 local f, s = pairs(string) for k in pairs(string) do n = n + 1 end return { ok = true, value = { n > 10, type(s) == 'table' and rawget(s, 'upper') == nil } }");
        Assert.Equal("[true,true]", CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Returning_the_self_referencing_global_table_is_rejected()
    {
        var ex = await Fails("return { ok = true, value = { x = _G } }", ScriptLimit.Depth);
        Assert.Equal(ScriptLimit.Depth, ex.Limit);
    }

    [Fact]
    public async Task Already_cancelled_token_throws_before_the_script_starts()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run("return { ok = true }", ct: cts.Token).AsTask());
        await AssertStillWorks();
    }

    [Fact]
    public async Task Token_cancelled_during_an_endless_loop_stops_the_script()
    {
        using var cts = new CancellationTokenSource();
        var options = new LuaScriptExecutorOptions { MaxInstructions = long.MaxValue, Timeout = TimeSpan.FromDays(1) };
        options.AddPrimitive("cancel", _ =>
        {
            cts.Cancel();
            return null;
        });
        using var executor = new LuaScriptExecutor(options);
        var ex = await Assert.ThrowsAsync<ScriptException>(() => executor.ExecuteAsync(
            new ScriptInvocation { Name = "loop", Source = "host.cancel() while true do end" }, cts.Token).AsTask());
        Assert.Equal(ScriptLimit.Cancelled, ex.Limit);
    }

    [Fact]
    public async Task Deadline_passing_during_a_loop_stops_the_script()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = new LuaScriptExecutorOptions { MaxInstructions = long.MaxValue, Timeout = TimeSpan.FromMinutes(1) };
        options.AddPrimitive("advance", _ =>
        {
            time.Advance(TimeSpan.FromMinutes(2));
            return null;
        });
        using var executor = new LuaScriptExecutor(options, time);
        var ex = await Assert.ThrowsAsync<ScriptException>(() => executor.ExecuteAsync(
            new ScriptInvocation { Name = "loop", Source = "host.advance() while true do end" }).AsTask());
        Assert.Equal(ScriptLimit.Deadline, ex.Limit);
    }

    [Fact]
    public async Task Host_primitives_canonical_json_content_hash_and_json_patch()
    {
        var result = await Run("""
            local doc = { b = 1, a = { 1, 2 } }
            local patched = host.json_patch(_CTX, { { op = "add", path = "/list/-", value = 3 }, { op = "remove", path = "/gone" } })
            return { ok = true, value = {
              canon = host.canonical_json(doc),
              same = host.content_hash(doc) == host.content_hash(host.canonical_json(doc)),
              hash = host.content_hash(doc),
              patched = patched,
              original = _CTX,
            } }
            """, JsonNode.Parse("""{"list":[1,2],"gone":true}"""));
        Assert.Equal("""{"a":[1,2],"b":1}""", result!["canon"]!.GetValue<string>());
        Assert.True(result["same"]!.GetValue<bool>());
        Assert.Equal(ContentHash.Of(JsonNode.Parse("""{"a":[1,2],"b":1}""")), result["hash"]!.GetValue<string>());
        Assert.Equal("""{"list":[1,2,3]}""", CanonicalJson.Serialize(result["patched"]));
        Assert.Equal("""{"gone":true,"list":[1,2]}""", CanonicalJson.Serialize(result["original"]));
    }

    [Fact]
    public async Task Primitive_errors_are_raised_in_the_script_and_catchable()
    {
        var result = await Run("local ok, err = pcall(host.json_patch, {}, { { op = 'remove', path = '/x' } }) return { ok = true, value = { ok, err } }");
        Assert.False(result![0]!.GetValue<bool>());
        Assert.Contains("$[0].path", result[1]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registered_primitive_takes_and_returns_json()
    {
        var options = new LuaScriptExecutorOptions().AddPrimitive("greet", v => JsonValue.Create("hi " + v!["name"]!.GetValue<string>()));
        options.AddPrimitive("fail", _ => throw new InvalidOperationException("nope"));
        using var executor = new LuaScriptExecutor(options);
        var result = await executor.ExecuteAsync(new ScriptInvocation { Name = "g", Source = "return { ok = true, value = host.greet({ name = 'ada' }) }" });
        Assert.Equal("hi ada", result!.GetValue<string>());
        var ex = await Assert.ThrowsAsync<ScriptException>(() => executor.ExecuteAsync(new ScriptInvocation { Name = "g", Source = "host.fail(1)" }).AsTask());
        Assert.Contains("host.fail: nope", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"a":[],"b":{},"c":null,"d":[null,1,null]}""")]
    [InlineData("[1,1.5,-0.25,9007199254740993,1e300]")]
    public async Task Json_round_trips_through_lua(string json)
    {
        var result = await Run("return { ok = true, value = _CTX }", JsonNode.Parse(json));
        Assert.Equal(CanonicalJson.Canonicalize(json), CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Integers_stay_integers_and_floats_stay_floats()
    {
        var result = await Run("return { ok = true, value = { math.type(_CTX[1]), math.type(_CTX[2]), _CTX[2], 3 / 1, 7 // 2, _CTX[3] == host.null } }", JsonNode.Parse("[1,1.0,null]"));
        Assert.Equal("""["integer","float",1.0,3.0,3,true]""", result!.ToJsonString());
    }

    [Fact]
    public async Task Empty_tables_and_markers()
    {
        var result = await Run("return { ok = true, value = { {}, host.array(), host.object(), host.is_array(_CTX.a), host.is_array(_CTX.o) } }", JsonNode.Parse("""{"a":[],"o":{}}"""));
        Assert.Equal("""[{},[],{},true,false]""", result!.ToJsonString());
    }

    [Fact]
    public async Task Many_threads_get_isolated_results()
    {
        _executor.RegisterScript("echo", "counter = (counter or 0) + 1 return { ok = true, value = { id = _CTX.id, counter = counter, sq = _CTX.id * _CTX.id } }");
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var id = (t * 1000) + i;
                var r = await _executor.ExecuteAsync(new ScriptInvocation { Name = "echo", FnId = "echo", Input = new JsonObject { ["id"] = id } });
                Assert.Equal(id, r!["id"]!.GetValue<long>());
                Assert.Equal((long)id * id, r["sq"]!.GetValue<long>());
                Assert.Equal(1, r["counter"]!.GetValue<long>());
            }
        })).ToArray();
        await Task.WhenAll(tasks);
    }
}
