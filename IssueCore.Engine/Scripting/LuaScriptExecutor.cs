using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Scripting;

/// <summary>
/// Runs Lua 5.4 scripts (KeraLua) in a sandbox under per-call budgets. Thread-safe; states are pooled
/// and each chunk is compiled once per state.
/// </summary>
/// <remarks>
/// <para>The script's input is the global <c>_CTX</c>. It must return <c>{ ok = true, value = … }</c>
/// (the value is the call's result; <c>nil</c> or <c>host.null</c> is JSON null) or raise with
/// <c>error(…)</c>; returning <c>{ ok = false, error = … }</c> fails like <c>error(…)</c>. Anything else
/// is a <see cref="ScriptException"/>.</para>
/// <para>JSON maps to Lua as follows: objects and arrays become tables marked with a metatable (so empty
/// ones keep their kind), integers become Lua integers and numbers written with a fraction or exponent
/// become floats, <c>null</c> becomes <c>host.null</c>. Back to JSON, an unmarked table with keys 1..n
/// is an array, one with string keys an object, and an empty unmarked table an object (use
/// <c>host.array()</c> for an empty array).</para>
/// <para>Scripts see only the base functions (without <c>dofile</c>, <c>loadfile</c>, <c>print</c> and
/// binary <c>load</c>), <c>string</c> (without <c>dump</c>), <c>table</c>, <c>math</c>, <c>utf8</c>
/// as read-only tables, and <c>host</c>: <c>canonical_json</c>, <c>content_hash</c>, <c>json_patch</c>,
/// <c>array</c>, <c>object</c>, <c>is_array</c>, <c>null</c> and the primitives added through
/// <see cref="LuaScriptExecutorOptions.Primitives"/>. Each call starts with an empty global environment
/// (holding only <c>_G</c> and <c>_CTX</c>: a state's environment table is emptied when a call ends, so no global
/// and no input outlives its call) and a freshly seeded <c>math.random</c> generator.</para>
/// <para>Budgets cover work done in native code too. Every byte a running script allocates counts against the
/// instruction budget (16 bytes for one instruction), so library functions that build strings or tables
/// (case changes, <c>rep</c>, <c>format</c>, concatenation, <c>pack</c>) cost what they write; functions that
/// only read (<c>utf8.len</c>, <c>utf8.offset</c>, <c>utf8.codes</c>, <c>string.byte</c>, <c>utf8.codepoint</c>,
/// <c>string.unpack</c>, <c>tonumber</c>) are charged the bytes they may read before they run. Weak tables
/// are not available: <c>setmetatable</c> refuses <c>__mode</c> and gives the table a private copy of the
/// metatable's events, so a mode set afterwards is not seen. <c>table.insert</c> and <c>table.remove</c> at a
/// position run as Lua code, so each element they shift counts; <c>table.move</c>, <c>concat</c>,
/// <c>unpack</c> and <c>sort</c> are charged one instruction per element (<c>sort</c>: n·log₂n) before
/// they run, and <c>load</c> one per byte of source. Every conversion of a Lua value to JSON (the result,
/// an error value, a primitive's argument) is held to <see cref="ScriptBudget.MaxOutputBytes"/>, counts a
/// node as an instruction and checks the deadline as it goes; a primitive argument over the cap stops the
/// script with <see cref="ScriptLimit.OutputSize"/>, an error value over it is reported by a short
/// description. <c>host.json_patch</c> charges the document's size for each operation that may copy,
/// move or compare all of it, and fails with <see cref="ScriptLimit.OutputSize"/> when copies grow the
/// document past the cap.</para>
/// <para>Lua patterns backtrack, and the matcher runs natively, unseen by the instruction count. Before
/// <c>string.find</c>, <c>match</c>, <c>gmatch</c> or <c>gsub</c> runs, its worst case is bounded from
/// the subject's length <c>n</c> (from the start position) and the pattern's shape, in matcher steps (four
/// steps cost one instruction). A call whose bound exceeds the instruction budget left fails with
/// <see cref="ScriptLimit.Instructions"/> and a message that the pattern is too costly for the subject;
/// otherwise the bound is charged. The rule, item by item from the end of the pattern: a quantifier
/// (<c>*</c>, <c>+</c>, <c>-</c>, outside sets) multiplies the rest of the pattern by <c>n + 1</c>,
/// unless the rest cannot fail or starts with a class sharing no character with the repeated one;
/// <c>?</c> doubles it when the rest can fail; <c>%b</c> and back references add <c>n</c>. An unanchored
/// search (no leading <c>^</c>; <c>gmatch</c> never is) multiplies that by the number of start positions,
/// except for linear patterns: those without multiplied parts whose quantifiers all have rests that cannot
/// fail (<c>%s+</c>, <c>[^,]+</c>, <c>(%w+)</c>), or whose first item is a class without quantifier
/// sharing no character with any repeated class (<c>"[^"]*"</c>). Plain finds (<c>find(s, p, init,
/// true)</c>, or a pattern without special characters) cost about <c>n</c>, more for needles over 16 bytes.
/// A <c>find</c> or <c>match</c> that is anchored or linear (and one with a plain find) is charged after
/// it returns, for the part of the subject up to the end of its match. So patterns without quantifiers,
/// anchored patterns and the linear shapes above cost about the length they scan, while, for example,
/// <c>^%s*(.-)%s*$</c> costs on the order of <c>2·n²</c> steps and <c>.-.-b</c> on the order of
/// <c>n³</c> per start position: split such work over shorter subjects or use plain finds.</para>
/// </remarks>
public sealed class LuaScriptExecutor : IScriptExecutor, IDisposable
{
    private readonly LuaScriptExecutorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Func<JsonNode?, JsonNode?>> _primitives;
    private const int MaxInlineSources = 1024;

    private readonly ConcurrentDictionary<string, ScriptSource> _scripts = new(StringComparer.Ordinal);

    // Inline sources: the same string instance is found by reference without hashing its text; another
    // instance with the same text is found by its SHA-256 content hash, so it shares the compiled chunks.
    private readonly ConditionalWeakTable<string, ScriptSource> _inlineByReference = [];
    private readonly ConcurrentDictionary<string, ScriptSource> _inlineByHash = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<string, ScriptSource>.CreateValueCallback _inlineFactory;
    private long _nextScriptId;
    private readonly LuaSandboxPool _pool;
    private volatile bool _disposed;

    /// <summary>Creates an executor.</summary>
    /// <param name="options">Budgets, pool size and extra primitives; <see langword="null"/> uses the documented defaults.</param>
    /// <param name="timeProvider">The clock for timeouts and deadlines; <see langword="null"/> uses <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range or a primitive name is not a Lua identifier, starts with <c>__</c> (reserved) or clashes with a built-in one.</exception>
    public LuaScriptExecutor(LuaScriptExecutorOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new LuaScriptExecutorOptions();
        _time = timeProvider ?? TimeProvider.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxInstructions, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxMemoryBytes, 64 * 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Timeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxJsonDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxOutputBytes, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PoolSize, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCachedChunksPerState, 1, nameof(options));
        _primitives = new Dictionary<string, Func<JsonNode?, JsonNode?>>(_options.Primitives, StringComparer.Ordinal);
        _inlineFactory = InlineSource;
        _pool = new LuaSandboxPool(_time, _primitives, _options.MaxCachedChunksPerState, _options.PoolSize);
        foreach (var name in _primitives.Keys)
        {
            if (!IsIdentifier(name) || name.StartsWith("__", StringComparison.Ordinal) || name is "null" or "array" or "object" or "is_array" or "canonical_json" or "content_hash" or "json_patch")
            {
                throw new ArgumentException($"'{name}' cannot be a host primitive name: it must be a Lua identifier, not start with '__' and not be a built-in primitive.", nameof(options));
            }
        }
    }

    /// <summary>Registers (or replaces) a script under a function id.</summary>
    /// <param name="fnId">The id flows use in <c>spec.fn_id</c>.</param>
    /// <param name="source">Lua source text.</param>
    /// <exception cref="ValidationException">The source does not compile; the path is <paramref name="fnId"/>.</exception>
    public void RegisterScript(string fnId, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(fnId);
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var sandbox = Rent();
        var reuse = false;
        try
        {
            sandbox.CheckSyntax(fnId, source);
            reuse = true;
        }
        catch (ValidationException)
        {
            reuse = true;
            throw;
        }
        finally
        {
            Return(sandbox, !reuse);
        }

        _scripts[fnId] = new ScriptSource(Interlocked.Increment(ref _nextScriptId), fnId, source);
    }

    /// <summary>Registers every embedded resource whose name starts with <paramref name="prefix"/> and ends in <c>.lua</c>; the function id is the rest of the name without <c>.lua</c>.</summary>
    /// <param name="assembly">The assembly holding the scripts.</param>
    /// <param name="prefix">The resource name prefix, for example <c>"MyApp.Scripts."</c>.</param>
    /// <returns>How many scripts were registered.</returns>
    /// <exception cref="ValidationException">A script does not compile.</exception>
    public int RegisterEmbeddedScripts(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(prefix);
        var count = 0;
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".lua", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            RegisterScript(resource[prefix.Length..^4], reader.ReadToEnd());
            count++;
        }

        return count;
    }

    /// <summary>Registers every <c>*.lua</c> file under a directory; the function id is the relative path without <c>.lua</c>, with <c>/</c> as separator.</summary>
    /// <param name="directory">The directory to read.</param>
    /// <returns>How many scripts were registered.</returns>
    /// <exception cref="ValidationException">A script does not compile.</exception>
    public int RegisterScriptsFromDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*.lua", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            RegisterScript(relative[..^4], File.ReadAllText(file));
            count++;
        }

        return count;
    }

    /// <summary>Whether a script is registered under <paramref name="fnId"/>.</summary>
    /// <param name="fnId">The function id.</param>
    /// <returns><see langword="true"/> when registered.</returns>
    public bool IsRegistered(string fnId) => _scripts.ContainsKey(fnId);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Not exactly one of <paramref name="fnId"/> and <paramref name="source"/> is set.</exception>
    public string? CheckScript(string? fnId, string? source)
    {
        if ((fnId is null) == (source is null))
        {
            throw new ArgumentException("Exactly one of fnId and source must be set.", nameof(fnId));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (fnId is not null)
        {
            return _scripts.ContainsKey(fnId) ? null : $"No script is registered under the fn_id '{fnId}'.";
        }

        var sandbox = Rent();
        try
        {
            sandbox.CheckSyntax("source", source!);
            return null;
        }
        catch (ValidationException ex)
        {
            return ex.Errors[0].Message;
        }
        finally
        {
            Return(sandbox, discard: false);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A caller with a synchronization context (a UI or request context) or a non-default task scheduler gets a task at
    /// once and the script runs on the thread pool, so it never holds that context; any other caller (a thread-pool
    /// thread, a console thread) runs the script on its own thread and gets a completed task. Cancelling
    /// <paramref name="cancellationToken"/> stops a running script after its next instruction; the executor's
    /// watchdog checks the deadline every 50 ms of its <see cref="TimeProvider"/> in the same way. An
    /// instruction is at most one bounded native step (see the budget table in RELIABILITY.md), so a script
    /// stops within 100 ms of either.
    /// </remarks>
    public ValueTask<JsonNode?> ExecuteAsync(ScriptInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((invocation.FnId is null) == (invocation.Source is null))
        {
            throw new ArgumentException("Exactly one of FnId and Source must be set.", nameof(invocation));
        }

        cancellationToken.ThrowIfCancellationRequested();
        ScriptSource? source;
        if (invocation.FnId is { } fnId)
        {
            if (!_scripts.TryGetValue(fnId, out source))
            {
                throw new NotFoundException("script", fnId);
            }
        }
        else
        {
            source = _inlineByReference.GetValue(invocation.Source!, _inlineFactory);
        }

        var now = _time.GetUtcNow();
        var budget = Resolve(invocation, now);
        if (now >= budget.Deadline)
        {
            throw new ScriptException(invocation.Name, "the deadline passed before the script started", ScriptLimit.Deadline);
        }

        // A caller without a synchronization context on the default scheduler (a thread-pool thread, a console thread)
        // runs the script itself: nothing waits on that thread to be pumped, the watchdog and the token stop the script
        // from other threads, and a hand-off would only add two thread switches to every call. Any other caller (a UI or
        // request context, a custom scheduler) gets a task at once and the script runs on the thread pool.
        if (SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default)
        {
            try
            {
                return new ValueTask<JsonNode?>(Run(invocation.Name, source, invocation.Input, budget, cancellationToken));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<JsonNode?>(ex);
            }
        }

        var state = (this, invocation.Name, source, invocation.Input, budget, cancellationToken);
        return new ValueTask<JsonNode?>(Task.Factory.StartNew(
            static s =>
            {
                var (executor, name, source, input, budget, cancellationToken) = ((LuaScriptExecutor, string, ScriptSource, JsonNode?, EffectiveBudget, CancellationToken))s!;
                return executor.Run(name, source, input, budget, cancellationToken);
            },
            state,
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default));
    }

    private JsonNode? Run(string name, ScriptSource source, JsonNode? input, EffectiveBudget budget, CancellationToken cancellationToken)
    {
        var sandbox = Rent();
        var discard = true;
        try
        {
            var result = sandbox.Run(name, source, input, budget, cancellationToken);
            discard = sandbox.Poisoned;
            return result;
        }
        catch (ScriptException)
        {
            discard = sandbox.Poisoned;
            throw;
        }
        finally
        {
            Return(sandbox, discard);
        }
    }

    /// <summary>Closes every idle state; states in use are closed when their call ends.</summary>
    public void Dispose()
    {
        _disposed = true;
        _pool.Dispose();
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private ScriptSource InlineSource(string text)
    {
        var source = new ScriptSource(Interlocked.Increment(ref _nextScriptId), null, text);
        var hash = Convert.ToHexString(SHA256.HashData(source.Utf8));
        if (_inlineByHash.Count >= MaxInlineSources)
        {
            _inlineByHash.Clear();
        }

        return _inlineByHash.GetOrAdd(hash, source);
    }

    private EffectiveBudget Resolve(ScriptInvocation invocation, DateTimeOffset now)
    {
        var b = invocation.Budget;
        var timeout = b?.Timeout ?? _options.Timeout;
        var deadline = now + timeout;
        if (invocation.Deadline is { } d && d < deadline)
        {
            deadline = d;
        }

        return new EffectiveBudget(
            Math.Max(1, b?.MaxInstructions ?? _options.MaxInstructions),
            b?.MaxMemoryBytes ?? _options.MaxMemoryBytes,
            deadline,
            Math.Min(b?.MaxJsonDepth ?? _options.MaxJsonDepth, JsonLimits.MaxRecordDepth),
            b?.MaxOutputBytes ?? _options.MaxOutputBytes);
    }

    private LuaSandbox Rent() => _pool.Rent();

    private void Return(LuaSandbox sandbox, bool discard) => _pool.Return(sandbox, discard);
}
