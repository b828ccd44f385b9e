using System.Text.Json.Nodes;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// Hostile scripts by class: native work out of proportion to the instructions that start it, a collector
/// step the hook cannot interrupt, and a script that ignores its caller. Each must end with a typed limit
/// error from the budget meant for it, and the executor must keep working. No timing thresholds: a budget
/// is proved by which limit stopped the script (the deadline is set minutes away when the instruction budget
/// is meant to stop it), and waits are guarded at ten times (or more) the stated bound.
/// </summary>
public sealed class LuaSandboxAdversarialTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>The instruction budget is to stop these: the deadline is ten minutes away.</summary>
    private static readonly ScriptBudget WorkBudget = new() { MaxInstructions = 2_000_000, MaxMemoryBytes = 32 * 1024 * 1024, Timeout = TimeSpan.FromMinutes(10) };

    private readonly LuaScriptExecutor _executor;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scriptThread;

    public LuaSandboxAdversarialTests()
    {
        var options = new LuaScriptExecutorOptions { PoolSize = 1 };
        options.AddPrimitive("started", _ =>
        {
            _scriptThread = Environment.CurrentManagedThreadId;
            _started.TrySetResult();
            return null;
        });
        _executor = new LuaScriptExecutor(options);
    }

    public void Dispose() => _executor.Dispose();

    private Task<JsonNode?> Run(string source, ScriptBudget budget, CancellationToken cancellationToken = default) =>
        _executor.ExecuteAsync(new ScriptInvocation { Name = "test", Source = source, Budget = budget }, cancellationToken).AsTask();

    private async Task<ScriptException> Fails(string source, ScriptBudget budget, params ScriptLimit[] limits)
    {
        var ex = await Assert.ThrowsAsync<ScriptException>(() => Run(source, budget).WaitAsync(Guard));
        Assert.Contains(ex.Limit, limits);
        var result = await Run("return { ok = true, value = 41 + 1 }", WorkBudget).WaitAsync(Guard);
        Assert.Equal(42, result!.GetValue<long>());
        return ex;
    }

    // ------------------------------------------------------------------ native work per instruction

    [Theory]
    [InlineData("local _ = s:upper()")]
    [InlineData("local _ = s:lower()")]
    [InlineData("local _ = s:reverse()")]
    [InlineData("local _ = s:rep(2)")]
    [InlineData("local _ = string.format('%s%s', s, 'x')")]
    [InlineData("local _ = s .. 'x'")]
    [InlineData("local _ = s:sub(2) == s")]
    [InlineData("local _ = string.pack('z', s)")]
    [InlineData("local _ = utf8.len(s)")]
    [InlineData("local _ = utf8.offset(s, #s)")]
    [InlineData("local _ = tonumber(s)")]
    [InlineData("local _ = select('#', s:byte(1, 100000))")]
    [InlineData("local _ = select('#', utf8.codepoint(s, 1, 100000))")]
    [InlineData("local _ = table.concat({ s, s })")]
    [InlineData("local _ = s:gsub('x', 'y')")]
    [InlineData("local _ = string.packsize(s)")]
    [InlineData("for _ in utf8.codes(s) do end")]
    [InlineData("local _ = string.unpack('z', s .. '\\0')")]
    public async Task Native_work_on_a_large_string_is_stopped_by_the_instruction_budget(string body)
    {
        // Each iteration is a handful of instructions and megabytes of native work: without a charge per byte
        // the loop would run until the deadline, ten minutes away.
        var ex = await Fails($"local s = string.rep('x', 4 * 1024 * 1024) while true do {body} end", WorkBudget, ScriptLimit.Instructions);
        Assert.NotEmpty(ex.ScriptMessage);
    }

    [Fact]
    public async Task Allocation_is_charged_at_a_fixed_rate_per_byte()
    {
        // Each iteration allocates about 192 KiB (rep's buffer and result, then the concatenation): 1,000 of them
        // are about 12,000,000 instructions at 16 bytes each, over a 2,000,000 budget, although the loop itself
        // runs about 10,000 instructions.
        await Fails("local keep = {} for i = 1, 1000 do keep[i % 4 + 1] = string.rep('x', 65536) .. i end return { ok = true }", WorkBudget, ScriptLimit.Instructions);

        // The same work in a tenth of the count fits.
        var result = await Run("local keep = {} for i = 1, 100 do keep[i % 4 + 1] = string.rep('x', 65536) .. i end return { ok = true, value = 1 }", WorkBudget).WaitAsync(Guard);
        Assert.Equal(1, result!.GetValue<long>());
    }

    [Fact]
    public async Task Vararg_growth_is_stopped_by_the_deadline()
    {
        // Each tail call copies a vararg list one longer than the last: quadratic work in native code.
        await Fails(
            "local function grow(n, ...) if n == 0 then return select('#', ...) end return grow(n - 1, n, ...) end while true do grow(500000) end",
            WorkBudget with { MaxInstructions = long.MaxValue / 2, Timeout = TimeSpan.FromSeconds(2) },
            ScriptLimit.Deadline, ScriptLimit.Memory);
    }

    [Fact]
    public async Task Utf8_codes_keeps_its_results_and_walks_only_its_own_string()
    {
        var result = await Run("""
            local cps = {}
            for p, c in utf8.codes('h\u{E9}llo') do cps[#cps + 1] = c end
            local invalid = pcall(utf8.codes, 'a\xFFb')
            local f, s, i = utf8.codes('abc')
            local other = pcall(f, string.rep('\x80', 1000), 0)
            return { ok = true, value = { #cps, cps[2], invalid, other } }
            """, WorkBudget).WaitAsync(Guard);
        Assert.Equal("[5,233,false,false]", result!.ToJsonString());
    }

    // ------------------------------------------------------------------ the collector

    [Theory]
    [InlineData("setmetatable({}, { __mode = 'k' })")]
    [InlineData("setmetatable({}, { __mode = 'v' })")]
    [InlineData("setmetatable({}, { __mode = 'kv' })")]
    public async Task Weak_tables_are_refused(string source)
    {
        var ex = await Fails(source + " return { ok = true }", WorkBudget, ScriptLimit.None);
        Assert.Contains("weak tables", ex.ScriptMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mode_set_after_setmetatable_does_not_make_the_table_weak()
    {
        // A weak-keyed table would drop the entry at the next collection; the shadow metatable keeps it strong.
        var result = await Run("""
            local mt = {}
            local t = setmetatable({}, mt)
            mt.__mode = 'k'
            t[{}] = true
            for i = 1, 20000 do local junk = { i, tostring(i) } end
            local n = 0
            for _ in pairs(t) do n = n + 1 end
            return { ok = true, value = { n, getmetatable(t) == mt } }
            """, WorkBudget with { MaxMemoryBytes = 1024 * 1024, MaxInstructions = 100_000_000 }).WaitAsync(Guard);
        Assert.Equal(1, result![0]!.GetValue<long>());
        Assert.True(result[1]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_ephemeron_chain_built_with_a_late_mode_ends_at_the_deadline()
    {
        // A chain of 300,000 keys, each key's value the next key, through a table made weak-keyed after
        // setmetatable: in Lua one collection step over it runs for tens of seconds, out of the hook's reach.
        await Fails("""
            local mt = {}
            local t = setmetatable({}, mt)
            mt.__mode = 'k'
            local keys = {}
            for i = 1, 300000 do keys[i] = {} end
            for i = 300000 - 1, 1, -1 do t[keys[i]] = keys[i + 1] end
            local root = keys[1]
            keys = nil
            while true do local junk = { root } end
            """,
            WorkBudget with { MaxInstructions = long.MaxValue / 2, MaxMemoryBytes = 64 * 1024 * 1024, Timeout = TimeSpan.FromSeconds(2) },
            ScriptLimit.Deadline, ScriptLimit.Memory);
    }

    [Fact]
    public async Task Metatables_keep_their_behaviour_through_the_shadow()
    {
        var result = await Run("""
            local Point = {}
            Point.__index = Point
            Point.__add = function(a, b) return setmetatable({ x = a.x + b.x }, Point) end
            Point.__tostring = function(p) return 'P' .. p.x end
            function Point.double(p) return p + p end
            local p = setmetatable({ x = 2 }, Point)
            local q = p:double()
            local guarded = setmetatable({}, { __metatable = 'locked' })
            local changed = pcall(setmetatable, guarded, {})
            local r = setmetatable({}, Point)
            setmetatable(r, nil)
            return { ok = true, value = { q.x, tostring(q), getmetatable(q) == Point, getmetatable(guarded), changed, getmetatable(r) == nil } }
            """, WorkBudget).WaitAsync(Guard);
        Assert.Equal("""[4,"P4",true,"locked",false,true]""", result!.ToJsonString());
    }

    // ------------------------------------------------------------------ the caller's thread and cancellation

    [Fact]
    public async Task A_script_runs_off_the_callers_thread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var task = Run("host.started() return { ok = true, value = 1 }", WorkBudget);
        await task.WaitAsync(Guard);
        Assert.NotEqual(0, _scriptThread);
        Assert.NotEqual(caller, _scriptThread);
    }

    /// <summary>
    /// Runs <paramref name="source"/> from a thread-pool thread without a synchronization context, where the executor runs
    /// the script on the caller's own thread; returns the error and whether the script did run on that thread.
    /// </summary>
    private Task<(ScriptException Error, bool OnCallerThread)> FailsInline(string source, ScriptBudget budget, CancellationToken cancellationToken = default) =>
        Task.Run(async () =>
        {
            Assert.Null(SynchronizationContext.Current);
            var caller = Environment.CurrentManagedThreadId;
            var ex = await Assert.ThrowsAsync<ScriptException>(() => Run("host.started() " + source, budget, cancellationToken));
            return (ex, _scriptThread == caller);
        });

    [Fact]
    public async Task A_caller_without_a_synchronization_context_runs_the_script_itself_and_the_watchdog_still_stops_an_endless_loop()
    {
        var budget = WorkBudget with { MaxInstructions = long.MaxValue / 2, Timeout = TimeSpan.FromMilliseconds(200) };
        var (error, onCallerThread) = await FailsInline("while true do end", budget).WaitAsync(Guard);
        Assert.True(onCallerThread);
        Assert.Equal(ScriptLimit.Deadline, error.Limit);
        var result = await Run("return { ok = true, value = 3 }", WorkBudget).WaitAsync(Guard);
        Assert.Equal(3, result!.GetValue<long>());
    }

    [Fact]
    public async Task A_memory_bomb_run_on_the_callers_thread_ends_at_the_memory_cap()
    {
        var budget = WorkBudget with { MaxInstructions = long.MaxValue / 2, MaxMemoryBytes = 8 * 1024 * 1024 };
        var (error, onCallerThread) = await FailsInline("local t = {} for i = 1, 1e12 do t[i] = string.rep('x', 1000) .. i end", budget).WaitAsync(Guard);
        Assert.True(onCallerThread);
        Assert.Equal(ScriptLimit.Memory, error.Limit);
        var result = await Run("return { ok = true, value = 4 }", WorkBudget).WaitAsync(Guard);
        Assert.Equal(4, result!.GetValue<long>());
    }

    [Fact]
    public async Task Cancellation_from_another_thread_stops_a_script_running_on_the_callers_thread()
    {
        using var cts = new CancellationTokenSource();
        _ = _started.Task.ContinueWith(_ => cts.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var budget = WorkBudget with { MaxInstructions = long.MaxValue / 2 };
        var (error, onCallerThread) = await FailsInline("while true do end", budget, cts.Token).WaitAsync(Guard);
        Assert.True(onCallerThread);
        Assert.Equal(ScriptLimit.Cancelled, error.Limit);
    }

    [Theory]
    [InlineData("while true do end")]
    [InlineData("local s = string.rep('x', 8 * 1024 * 1024) local t = s:sub(1, -2) .. 'x' while true do local _ = (s == t) end")]
    [InlineData("local function grow(n, ...) if n == 0 then return end return grow(n - 1, n, ...) end while true do grow(500000) end")]
    public async Task Cancellation_stops_a_running_script(string source)
    {
        // Stated bound 100 ms; guarded at 100 times that.
        using var cts = new CancellationTokenSource();
        var budget = WorkBudget with { MaxInstructions = long.MaxValue / 2 };
        var task = Run("host.started() " + source, budget, cts.Token);
        await _started.Task.WaitAsync(Guard);
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<ScriptException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ScriptLimit.Cancelled, ex.Limit);
        var result = await Run("return { ok = true, value = 2 }", WorkBudget).WaitAsync(Guard);
        Assert.Equal(2, result!.GetValue<long>());
    }

    // ------------------------------------------------------------------ iterators and the allocator

    [Fact]
    public async Task An_exhausted_gmatch_iterator_returns_nil_without_scanning_again()
    {
        // The library's iterator rescans the whole subject on every call after its end, uncharged.
        var result = await Run("""
            local it = string.gmatch(string.rep('a', 1000000), 'b')
            local calls = 0
            for i = 1, 1000000 do
              if it() == nil then calls = calls + 1 end
            end
            return { ok = true, value = calls }
            """, WorkBudget with { MaxInstructions = 50_000_000 }).WaitAsync(Guard);
        Assert.Equal(1000000, result!.GetValue<long>());
    }

    [Fact]
    public async Task The_emergency_collection_can_free_room_for_an_allocation()
    {
        // 4.5 MB of garbage, then a 4 MB concatenation under an 8 MB cap: it fits once Lua's emergency
        // collection (run when an allocation of the core is refused) freed the garbage.
        var result = await Run("""
            local half = string.rep('x', 2 * 1024 * 1024)
            local junk = {}
            for i = 1, 4000 do junk[i] = string.rep('j', 1000) .. i end
            junk = nil
            local s = half .. half
            return { ok = true, value = #s }
            """, WorkBudget with { MaxMemoryBytes = 8 * 1024 * 1024, MaxInstructions = 100_000_000 }).WaitAsync(Guard);
        Assert.Equal(4 * 1024 * 1024, result!.GetValue<long>());
    }

    [Fact]
    public void A_failed_system_allocation_is_a_refusal_not_an_exception()
    {
        using var sandbox = new LuaSandbox(TimeProvider.System, new Dictionary<string, Func<JsonNode?, JsonNode?>>(), 4);

        // 1 PiB: more than the address space, so the system allocator fails.
        var block = sandbox.Allocate(IntPtr.Zero, IntPtr.Zero, 0, unchecked((nuint)(1L << 50)));

        Assert.Equal(IntPtr.Zero, block);
    }

    [Fact]
    public async Task No_state_outlives_the_pool_when_returns_race_with_dispose()
    {
        for (var round = 0; round < 20; round++)
        {
            var pool = new LuaSandboxPool(TimeProvider.System, new Dictionary<string, Func<JsonNode?, JsonNode?>>(), 4, 8);
            var rented = Enumerable.Range(0, 8).Select(_ => pool.Rent()).ToList();
            using var go = new ManualResetEventSlim();
            var returns = rented.Select(s => Task.Run(() =>
            {
                go.Wait();
                pool.Return(s, discard: false);
            })).ToList();
            var dispose = Task.Run(() =>
            {
                go.Wait();
                pool.Dispose();
            });
            go.Set();
            await Task.WhenAll(returns.Append(dispose)).WaitAsync(Guard);
            Assert.Equal(0, pool.LiveCount);
        }
    }
}
