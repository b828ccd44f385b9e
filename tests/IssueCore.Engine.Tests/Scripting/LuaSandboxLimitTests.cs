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

    // ------------------------------------------------------------------ library loops

    [Theory]
    [InlineData("table.move({}, 1, 2^53, 2)")]
    [InlineData("table.move({}, -2^52, 2^52, 1, {})")]
    [InlineData("table.insert(setmetatable({}, { __len = function() return 2^53 end }), 1, 'x')")]
    [InlineData("table.remove(setmetatable({}, { __len = function() return 2^53 end }), 1)")]
    [InlineData("pcall(table.insert, setmetatable({}, { __len = function() return math.maxinteger - 1 end }), 1, 'x')")]
    [InlineData("table.concat(setmetatable({}, { __index = table.concat }), '', 1, 2^53)")]
    [InlineData("table.concat(setmetatable({}, { __index = table.concat, __len = function() return 2^62 end }))")]
    [InlineData("table.sort(setmetatable({}, { __len = function() return 2^31 - 2 end, __index = rawlen, __newindex = rawequal }))")]
    [InlineData("while true do local n = select('#', table.unpack({}, 1, 100000)) end")]
    public async Task Unbounded_loops_in_table_functions_exhaust_the_instruction_budget(string source)
    {
        var ex = await Fails(source + " return { ok = true }", ScriptLimit.Instructions);
        Assert.NotEmpty(ex.ScriptMessage);
    }

    [Fact]
    public async Task Rep_of_an_empty_string_returns_at_once()
    {
        var result = await Run("return { ok = true, value = { #string.rep('', 2^53), #(''):rep(2^62, ''), string.rep('ab', 3, '-'), string.rep('x', 0) } }");
        Assert.Equal("""[0,0,"ab-ab-ab",""]""", CanonicalJson.Serialize(result));
    }

    [Fact]
    public async Task Table_functions_keep_their_standard_results_and_errors()
    {
        var result = await Run("""
            local t = { 1, 2, 3 }
            table.insert(t, 4)
            table.insert(t, 1, 0)
            table.insert(t, 3, 'x')
            local removed = table.remove(t, 3)
            local last = table.remove(t)
            local first = table.remove(t, 1)
            local moved = table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1)
            local overlap = table.move({ 1, 2, 3, 4, 5 }, 1, 3, 3)
            local other = table.move({ 1, 2, 3 }, 1, 3, 2, { 'a' })
            local big = {}
            for i = 1, 1000 do big[i] = i end
            table.insert(big, 1, 0)
            local popped = table.remove(big, 1)
            table.sort(big, function(a, b) return a > b end)
            local unpacked = { table.unpack(big, 1, 3) }
            local function errors(f, ...)
              local ok, err = pcall(f, ...)
              return ok and "no error" or tostring(err):gsub("^[^:]*:%d+: ", "")
            end
            local proxy = setmetatable({}, { __len = function() return 2 end, __index = function(_, k) return 'v' .. k end })
            return { ok = true, value = {
              t = t, removed = removed, last = last, first = first, moved = moved, overlap = overlap, other = other,
              popped = popped, unpacked = unpacked, n = #big,
              concat = table.concat({ 1, 2, 'c' }, ', ') .. '|' .. table.concat({ 'a', 'b', 'c', 'd' }, '', 2, 3) .. '|' .. table.concat(proxy, '+'),
              remove_empty = table.remove({}) == nil, remove_size_plus_one = table.remove({ 1 }, 2) == nil,
              errors = {
                errors(table.insert, {}, 5, 1),
                errors(table.insert, {}, 1, 2, 3),
                errors(table.insert, {}, 'x', 1),
                errors(table.insert, {}, 1.5, 1),
                errors(table.remove, { 1, 2 }, 7),
                errors(table.remove, {}, {}),
                errors(table.move, {}, 1, nil, 1),
                errors(table.concat, { 1, {} }),
                errors(table.insert, setmetatable({}, { __len = function() return 'x' end }), 1, 1),
              },
            } }
            """, new ScriptBudget { MaxInstructions = 10_000_000 });
        Assert.Equal("[1,2,3]", CanonicalJson.Serialize(result!["t"]));
        Assert.Equal("\"x\"", result["removed"]!.ToJsonString());
        Assert.Equal("4", result["last"]!.ToJsonString());
        Assert.Equal("0", result["first"]!.ToJsonString());
        Assert.Equal("[2,3,4,4,5]", CanonicalJson.Serialize(result["moved"]));
        Assert.Equal("[1,2,1,2,3]", CanonicalJson.Serialize(result["overlap"]));
        Assert.Equal("[\"a\",1,2,3]", CanonicalJson.Serialize(result["other"]));
        Assert.Equal("0", result["popped"]!.ToJsonString());
        Assert.Equal("[1000,999,998]", CanonicalJson.Serialize(result["unpacked"]));
        Assert.Equal(1000, result["n"]!.GetValue<long>());
        Assert.Equal("1, 2, c|bc|v1+v2", result["concat"]!.GetValue<string>());
        Assert.True(result["remove_empty"]!.GetValue<bool>());
        Assert.True(result["remove_size_plus_one"]!.GetValue<bool>());
        var errors = result["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();
        Assert.Equal("bad argument #2 to 'insert' (position out of bounds)", errors[0]);
        Assert.Equal("wrong number of arguments to 'insert'", errors[1]);
        Assert.Equal("bad argument #2 to 'insert' (number expected, got string)", errors[2]);
        Assert.Equal("bad argument #2 to 'insert' (number has no integer representation)", errors[3]);
        Assert.Equal("bad argument #2 to 'remove' (position out of bounds)", errors[4]);
        Assert.Equal("bad argument #2 to 'remove' (number expected, got table)", errors[5]);
        Assert.Contains("bad argument #3 to", errors[6], StringComparison.Ordinal);
        Assert.Contains("number expected, got nil", errors[6], StringComparison.Ordinal);
        Assert.StartsWith("invalid value", errors[7], StringComparison.Ordinal);
        Assert.Contains("at index 2", errors[7], StringComparison.Ordinal);
        Assert.Equal("object length is not an integer", errors[8]);
    }

    [Fact]
    public void A_primitive_cannot_take_the_name_of_an_internal_native()
    {
        var options = new LuaScriptExecutorOptions().AddPrimitive("__charge", _ => JsonValue.Create(true));
        Assert.Throws<ArgumentException>(() => new LuaScriptExecutor(options));
    }

    [Fact]
    public async Task Errors_raised_through_a_wrapper_point_at_the_script()
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run("\n\ntable.insert({}, 9, 1)"));
        Assert.StartsWith("script:3:", ex.ScriptMessage, StringComparison.Ordinal);
        ex = await Assert.ThrowsAsync<ScriptException>(() => Run("\ntable.move({}, 1)"));
        Assert.StartsWith("script:2:", ex.ScriptMessage, StringComparison.Ordinal);
        ex = await Assert.ThrowsAsync<ScriptException>(() => Run("string.find('abc', '[a')"));
        Assert.StartsWith("script:1:", ex.ScriptMessage, StringComparison.Ordinal);
        Assert.Contains("malformed pattern", ex.ScriptMessage, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ pattern matching

    [Theory]
    [InlineData("(('a'):rep(1e5)):find('.-.-.-.-.-.-.-.-b')")]
    [InlineData("(('a'):rep(1e5)):match('(.*)(.*)(.*)b')")]
    [InlineData("for x in (('a'):rep(1e5)):gmatch('a*a*b') do end")]
    [InlineData("local s = ('a'):rep(1e5) s:gsub('a*b', '')")]
    [InlineData("(('a'):rep(40)):find(('a-'):rep(30) .. 'b')")]
    [InlineData("(('('):rep(1e5)):gsub('%b()', '')")]
    [InlineData("local s = ('a'):rep(2^21) s:find(('a'):rep(2^20) .. 'b', 1, true)")]
    [InlineData("local s = ('a'):rep(1e5) while true do pcall(string.find, s, '.-.-.-b') end")]
    public async Task Backtracking_patterns_are_refused_as_too_costly_for_the_subject(string source)
    {
        var ex = await Fails(source + " return { ok = true }", ScriptLimit.Instructions, Budget with { MaxMemoryBytes = 32 * 1024 * 1024 });
        Assert.Contains("too costly for the subject", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s:gsub('%s+', ' ')", 75, 500_000)]
    [InlineData("s:find('x', 1, true)", 750, 500_000)]
    [InlineData("table.concat(t)", 75, 300_000)]
    public async Task Library_work_counts_even_when_each_call_is_small(string call, int repeats, long budget)
    {
        // 2,000 calls, each small enough to be charged without asking the host: together far more than
        // the budget, though the loop itself runs well under it.
        var source = $"local s = ('ab  '):rep({repeats}) local t = {{}} for i = 1, 200 do t[i] = 'x' end for i = 1, 2000 do local _ = {call} end return {{ ok = true, value = 1 }}";
        await Fails(source, ScriptLimit.Instructions, Budget with { MaxInstructions = budget });
        var result = await Run(source, Budget with { MaxInstructions = 10_000_000 });
        Assert.NotNull(result);
    }

    [Fact]
    public async Task Ordinary_patterns_keep_their_results()
    {
        var result = await Run("""
            local out = {}
            local function add(...) local t = table.pack(...) for i = 1, t.n do out[#out + 1] = t[i] == nil and 'NIL' or t[i] end out[#out + 1] = '|' end
            add(('  hello world  '):match('^%s*(.-)%s*$'))
            add(('a,b,,c'):find(',', 1, true))
            add(('a,b,,c'):find(',,'))
            add(('key = value'):match('(%w+)%s*=%s*(%w+)'))
            add(('key = value'):find('(%w+)%s*=%s*(%w+)'))
            add(('hello'):match('()ll()'))
            add(('hello'):match('l+'))
            add(('hello'):match('^h'))
            add(('hello'):match('^x'))
            add(('hello'):find('l', -2))
            add(('hello'):find('l', 10))
            add(('hello'):find(''))
            add(('hello'):match('.-', 3))
            add(('f(a(b)c)d'):match('%b()'))
            add(('THE (quick) fox'):find('%f[%a]%a+', 5))
            add(('1.5e3'):match('^[%d%.e]+$'))
            add(string.find(12345, 34))
            add(string.match(3.25, '%.(%d+)'))
            add(('x'):rep(3):gsub('x', 'y'))
            add(('hello world'):gsub('o', { o = '0' }))
            add(('hello world'):gsub('(%w+)', function(w) return w:upper() end, 1))
            add(('abc'):gsub('', '-'))
            add(('a1b22c333'):gsub('%d+', '#'))
            local words = {}
            for w in ('the quick  brown fox'):gmatch('%a+') do words[#words + 1] = w end
            add(table.concat(words, ','))
            local pairs_ = {}
            for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do pairs_[#pairs_ + 1] = k .. v end
            add(table.concat(pairs_, ','))
            local from = {}
            for w in ('one two three'):gmatch('%a+', 5) do from[#from + 1] = w end
            add(table.concat(from, ','))
            add(select('#', ('abc'):find('x')), select('#', ('abc'):match('x')), select('#', ('abc'):match('(b)()')))
            add(pcall(string.rep))
            return { ok = true, value = out }
            """);
        var text = string.Join(" ", result!.AsArray().Select(n => n!.GetValueKind() == System.Text.Json.JsonValueKind.String ? $"\"{n.GetValue<string>()}\"" : n.ToJsonString()));
        Assert.Equal(
            "\"hello world\" \"|\" 2 2 \"|\" 4 5 \"|\" \"key\" \"value\" \"|\" 1 11 \"key\" \"value\" \"|\" 3 5 \"|\" \"ll\" \"|\" \"h\" \"|\" \"NIL\" \"|\" 4 4 \"|\" \"NIL\" \"|\" 1 0 \"|\" \"\" \"|\" "
            + "\"(a(b)c)\" \"|\" 6 10 \"|\" \"1.5e3\" \"|\" 3 4 \"|\" \"25\" \"|\" \"yyy\" 3 \"|\" \"hell0 w0rld\" 2 \"|\" \"HELLO world\" 1 \"|\" \"-a-b-c-\" 4 \"|\" \"a#b#c#\" 3 \"|\" "
            + "\"the,quick,brown,fox\" \"|\" \"a1,b2\" \"|\" \"two,three\" \"|\" 1 1 2 \"|\" false \"bad argument #1 to 'string.rep' (string expected, got no value)\" \"|\"",
            text);
    }

    [Fact]
    public async Task Linear_patterns_on_a_large_subject_stay_well_within_the_default_budget()
    {
        using var executor = new LuaScriptExecutor(new LuaScriptExecutorOptions { PoolSize = 1 });
        var result = await Run("""
            local parts = {}
            for i = 1, 5000 do parts[i] = 'word' .. i end
            local s = table.concat(parts, ', ')
            local n, pos = 0, 1
            -- a tokenizer: anchored finds and matches from a moving position, charged for what they consume
            while pos <= #s do
              local a, b = s:find('^%a+%d*', pos)
              if a then n = n + 1 pos = b + 1 end
              local sep = s:match('^,%s*', pos)
              if sep then pos = pos + #sep elseif not a then pos = pos + 1 end
            end
            local plain = 0
            local at = 1
            while true do
              local a, b = s:find(', ', at, true)
              if not a then break end
              plain = plain + 1
              at = b + 1
            end
            local collapsed = s:gsub('%s+', ' ')
            local count = 0
            for w in s:gmatch('[^,]+') do count = count + 1 end
            return { ok = true, value = { n, plain, #collapsed, count, (('  ' .. s:sub(1, 200) .. '  '):match('^%s*(.-)%s*$')):len() } }
            """, new ScriptBudget(), executor: executor);
        Assert.Equal(5000, result![0]!.GetValue<long>());
        Assert.Equal(4999, result[1]!.GetValue<long>());
        Assert.Equal(5000, result[3]!.GetValue<long>());
        Assert.Equal(200, result[4]!.GetValue<long>());
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
