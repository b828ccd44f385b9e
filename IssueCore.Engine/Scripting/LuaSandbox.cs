using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;
using KeraLua;

namespace IssueCore.Scripting;

/// <summary>
/// One sandboxed Lua state with its allocator, hook and host primitives. Used by one call at a time;
/// discarded (never reused) once a budget was exceeded or the runtime failed.
/// </summary>
internal sealed unsafe class LuaSandbox : IDisposable
{
    private const int HookInterval = 1000;
    private const int Registry = (int)LuaRegistry.Index;
    private const long RetainedBytesThreshold = 2L * 1024 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Lua _lua;
    private readonly IntPtr _l;
    private readonly TimeProvider _time;
    private readonly int _maxCachedChunks;

    // Delegates handed to native code: kept referenced for the life of the state.
    private readonly LuaAlloc _allocator;
    private readonly LuaHookFunction _hook;
    private readonly IntPtr _hookPointer;
    private GCHandle _self;
    private readonly List<LuaFunction> _natives = [];

    private readonly Dictionary<long, int> _chunks = [];
    private readonly int _refMsgh;
    private readonly int _refEnvMeta;
    private readonly int _refArrayMeta;
    private readonly int _refObjectMeta;
    private readonly IntPtr _errBoxPtr;
    private readonly IntPtr _arrayMetaPtr;
    private readonly IntPtr _objectMetaPtr;

    // Registry references to the interned key strings the per-call path pushes (no hashing per push).
    private readonly int _refKeyG;
    private readonly int _refKeyCtx;
    private readonly int _refKeyOk;
    private readonly int _refKeyValue;
    private readonly int _refKeyError;
    private readonly int _refRunState;

    // Per-call state.
    private long _allocated;
    private long _memoryCap = long.MaxValue;
    private bool _enforcing;
    private long _instructions;
    private long _maxInstructions;
    private CancellationToken _cancellation;
    private DateTimeOffset _deadline;
    private int _maxDepth = 64;
    private bool _disposed;

    public LuaSandbox(TimeProvider time, IReadOnlyDictionary<string, Func<JsonNode?, JsonNode?>> primitives, int maxCachedChunks)
    {
        _time = time;
        _maxCachedChunks = maxCachedChunks;
        _allocator = Allocate;
        _hook = OnHook;
        _hookPointer = (IntPtr)(delegate* unmanaged<IntPtr, IntPtr, void>)&HookThunk;
        _lua = new Lua(_allocator, IntPtr.Zero) { Encoding = Encoding.UTF8 };
        _l = _lua.Handle;

        // Swap KeraLua's delegate thunk for a direct unmanaged entry point (same malloc/free underneath).
        _self = GCHandle.Alloc(this);
        LuaNative.SetAllocator(_l, &AllocateThunk, GCHandle.ToIntPtr(_self));

        _lua.OpenBasicLibrary();
        _lua.OpenStringLibrary();
        _lua.OpenTableLibrary();
        _lua.OpenMathLibrary();
        _lua.OpenUTF8Library();
        _lua.OpenDebugLibrary();
        _lua.SetTop(0);

        if (_lua.LoadString(LuaSandboxBootstrap.Source, "=sandbox") != LuaStatus.OK)
        {
            throw new InvalidOperationException("The Lua sandbox failed to compile: " + _lua.ToString(-1));
        }

        _lua.NewTable();
        _lua.PushLightUserData(IntPtr.Zero);
        _lua.SetField(-2, "__null");
        AddNative("canonical_json", CanonicalJsonPrimitive);
        AddNative("content_hash", ContentHashPrimitive);
        AddNative("json_patch", JsonPatchPrimitive);
        foreach (var (name, primitive) in primitives)
        {
            AddNative(name, l => UserPrimitive(primitive));
        }

        // Internal natives last, so no primitive can stand in for them.
        LuaNative.PushCClosure(_l, &ChargeThunk, 0);
        _lua.SetField(-2, "__charge");
        LuaNative.PushCClosure(_l, &PatternThunk, 0);
        _lua.SetField(-2, "__pattern");
        LuaNative.PushCClosure(_l, &SeedThunk, 0);
        _lua.SetField(-2, "__seed");
        _lua.PushInteger(FreeWork);
        _lua.SetField(-2, "__free");
        _lua.PushString(LuaSandboxBootstrap.Wrappers);
        _lua.SetField(-2, "__wrappers");

        if (_lua.PCall(1, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException("The Lua sandbox failed to start: " + _lua.ToString(-1));
        }

        _lua.GetField(1, "ERRBOX");
        _errBoxPtr = LuaNative.ToPointer(_l, -1);
        _lua.Pop(1);
        _lua.GetField(1, "ARRAY");
        _arrayMetaPtr = LuaNative.ToPointer(_l, -1);
        _refArrayMeta = _lua.Ref(LuaRegistry.Index);
        _lua.GetField(1, "OBJECT");
        _objectMetaPtr = LuaNative.ToPointer(_l, -1);
        _refObjectMeta = _lua.Ref(LuaRegistry.Index);
        _lua.GetField(1, "ENV");
        _refEnvMeta = _lua.Ref(LuaRegistry.Index);
        _lua.GetField(1, "msgh");
        _refMsgh = _lua.Ref(LuaRegistry.Index);
        _refKeyG = RefString("_G"u8);
        _refKeyCtx = RefString("_CTX"u8);
        _refKeyOk = RefString("ok"u8);
        _refKeyValue = RefString("value"u8);
        _refKeyError = RefString("error"u8);
        _lua.GetField(1, "RUN");
        _refRunState = _lua.Ref(LuaRegistry.Index);
        _lua.SetTop(0);
        _lua.GarbageCollector(LuaGC.Collect, 0);
    }

    /// <summary>Which budget stopped the current call, if any.</summary>
    public ScriptLimit Limit { get; private set; }

    /// <summary>True when the state must not be reused.</summary>
    public bool Poisoned { get; private set; }

    public JsonNode? Run(string name, ScriptSource source, JsonNode? input, in EffectiveBudget budget, CancellationToken cancellationToken)
    {
        Limit = ScriptLimit.None;
        _memoryCap = budget.MaxMemoryBytes;
        _maxInstructions = budget.MaxInstructions;
        _deadline = budget.Deadline;
        _maxDepth = budget.MaxJsonDepth;
        _maxOutputBytes = budget.MaxOutputBytes;
        _limitDetail = null;
        _cancellation = cancellationToken;
        _instructions = 0;
        _enforcing = false;
        try
        {
            LuaNative.SetTop(_l, 0);
            ResetRunState();
            LuaNative.RawGetInteger(_l, Registry, _refMsgh);
            PushChunk(name, source);

            // A fresh environment per run: globals written by one run are invisible to the next.
            _lua.CreateTable(0, 4);
            LuaNative.RawGetInteger(_l, Registry, _refEnvMeta);
            LuaNative.SetMetaTable(_l, -2);
            LuaNative.RawGetInteger(_l, Registry, _refKeyG);
            LuaNative.PushValue(_l, -2);
            _lua.RawSet(-3);
            LuaNative.RawGetInteger(_l, Registry, _refKeyCtx);
            try
            {
                PushJson(input, 1, "$");
            }
            catch (ConversionException ex)
            {
                throw new ScriptException(name, "input: " + ex.Message, ex.Limit);
            }

            _lua.RawSet(-3);
            LuaNative.SetUpValue(_l, 2, 1);

            if (_allocated > _memoryCap)
            {
                Poisoned = true;
                throw new ScriptException(name, $"the input does not fit in the memory cap of {_memoryCap} bytes", ScriptLimit.Memory);
            }

            var interval = (int)Math.Min(HookInterval, Math.Max(1, _maxInstructions));
            LuaNative.SetHook(_l, _hookPointer, LuaNative.MaskCount, interval);
            _enforcing = true;
            var status = _lua.PCall(0, 1, 1);
            _enforcing = false;
            LuaNative.SetHook(_l, IntPtr.Zero, 0, 0);

            if (Limit != ScriptLimit.None)
            {
                Poisoned = true;
                throw new ScriptException(name, _limitDetail ?? LimitMessage(Limit), Limit);
            }

            if (status != LuaStatus.OK)
            {
                throw ErrorFromStack(name, status);
            }

            return ReadEnvelope(name);
        }
        finally
        {
            _enforcing = false;
            _cancellation = default;
            if (!_disposed)
            {
                LuaNative.SetTop(_l, 0);
                ReleaseRetainedMemory();
            }
        }
    }

    /// <summary>
    /// Resets the wrappers' per-run state (see <see cref="LuaSandboxBootstrap.Wrappers"/>): marks the
    /// <c>math.random</c> generator as not seeded for this run, so the run's first <c>math.random</c> seeds it
    /// afresh from the system's cryptographic generator (<c>__seed</c>) and a run can neither steer (with
    /// <c>math.randomseed</c>) nor read ahead the numbers a later run draws; and drops library work left
    /// uncharged by the previous run.
    /// </summary>
    private void ResetRunState()
    {
        LuaNative.RawGetInteger(_l, Registry, _refRunState);
        LuaNative.PushBoolean(_l, 0);
        LuaNative.RawSetInteger(_l, -2, 1);
        LuaNative.PushInteger(_l, 0);
        LuaNative.RawSetInteger(_l, -2, 2);
        LuaNative.SetTop(_l, -2);
    }

    /// <summary>A run that left a large stack or much garbage is collected; a state still holding much memory is not reused.</summary>
    private void ReleaseRetainedMemory()
    {
        if (Poisoned || _allocated <= RetainedBytesThreshold)
        {
            return;
        }

        _lua.GarbageCollector(LuaGC.Collect, 0);
        if (_allocated > RetainedBytesThreshold)
        {
            Poisoned = true;
        }
    }

    public void CheckSyntax(string fnId, string source)
    {
        _lua.SetTop(0);
        var status = _lua.LoadBuffer(Encoding.UTF8.GetBytes(source), "=" + fnId, "t");
        var message = status == LuaStatus.OK ? null : ReadStringLossy(-1);
        _lua.SetTop(0);
        if (message is not null)
        {
            throw new ValidationException(fnId, "Lua syntax error: " + message);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Any finalizer still pending at close fails on its first instruction.
        LuaNative.SetHook(_l, LuaNative.ErrorFunction, LuaNative.MaskCount, 1);
        _lua.Close();
        _self.Free();
        GC.KeepAlive(_allocator);
        GC.KeepAlive(_hook);
        GC.KeepAlive(_natives);
    }

    private static string LimitMessage(ScriptLimit limit) => limit switch
    {
        ScriptLimit.Instructions => "the instruction budget was exhausted",
        ScriptLimit.Memory => "the memory cap was reached",
        ScriptLimit.Deadline => "the deadline passed",
        ScriptLimit.Cancelled => "the call was cancelled",
        ScriptLimit.OutputSize => "a value converted to JSON was larger than the output cap",
        _ => limit.ToString(),
    };

    private void PushChunk(string name, ScriptSource source)
    {
        if (!_chunks.TryGetValue(source.Id, out var reference))
        {
            if (_chunks.Count >= _maxCachedChunks)
            {
                foreach (var old in _chunks.Values)
                {
                    _lua.Unref(LuaRegistry.Index, old);
                }

                _chunks.Clear();
            }

            _enforcing = true;
            var status = _lua.LoadBuffer(source.Utf8, source.ChunkName, "t");
            _enforcing = false;
            if (status != LuaStatus.OK)
            {
                var message = status == LuaStatus.ErrMem ? null : ReadStringLossy(-1);
                if (message is null || Limit != ScriptLimit.None)
                {
                    Poisoned = true;
                    throw new ScriptException(name, LimitMessage(ScriptLimit.Memory), ScriptLimit.Memory);
                }

                throw new ScriptException(name, "syntax error: " + message);
            }

            reference = _lua.Ref(LuaRegistry.Index);
            _chunks[source.Id] = reference;
        }

        LuaNative.RawGetInteger(_l, Registry, reference);
    }

    private ScriptException ErrorFromStack(string name, LuaStatus status)
    {
        if (status == LuaStatus.ErrMem)
        {
            Poisoned = true;
            return new ScriptException(name, LimitMessage(ScriptLimit.Memory), ScriptLimit.Memory);
        }

        if (status != LuaStatus.ErrRun)
        {
            Poisoned = true;
        }

        string? traceback = null;
        var top = _lua.GetTop();
        if (_lua.Type(top) == LuaType.Table && _lua.GetMetaTable(top))
        {
            var isBox = LuaNative.ToPointer(_l, -1) == _errBoxPtr;
            _lua.Pop(1);
            if (isBox)
            {
                _lua.RawGetInteger(top, 2);
                traceback = _lua.Type(-1) == LuaType.String ? ReadStringLossy(-1) : null;
                _lua.Pop(1);
                _lua.RawGetInteger(top, 1);
            }
        }

        return new ScriptException(name, DescribeError(_lua.GetTop()), ScriptLimit.None, traceback);
    }

    private string DescribeError(int index)
    {
        switch (_lua.Type(index))
        {
            case LuaType.String:
                return ReadErrorString(index);
            case LuaType.Number:
            case LuaType.Boolean:
            case LuaType.Table:
            case LuaType.LightUserData:
                var kind = _lua.Type(index).ToString().ToLowerInvariant();
                try
                {
                    BeginConversion();
                    return CanonicalJson.Serialize(ToJson(index, 1, "$error"));
                }
                catch (ConversionException ex) when (ex.Limit is ScriptLimit.OutputSize)
                {
                    return $"(error object is a {kind} value larger than {_maxOutputBytes} bytes of JSON; not shown)";
                }
                catch (ConversionException ex) when (ex.Limit is ScriptLimit.Deadline or ScriptLimit.Cancelled)
                {
                    return $"(error object is a {kind} value; describing it stopped: {ex.Message})";
                }
                catch (Exception ex) when (ex is ConversionException or ValidationException)
                {
                    return $"(error object is a {kind} value that is not JSON: {ex.Message})";
                }

            case LuaType.Nil:
                return "(error object is nil)";
            default:
                return $"(error object is a {_lua.Type(index).ToString().ToLowerInvariant()} value)";
        }
    }

    private JsonNode? ReadEnvelope(string name)
    {
        const string Contract = "a script must return { ok = true, value = ... } (or { ok = false, error = ... })";
        if ((LuaType)LuaNative.Type(_l, -1) != LuaType.Table)
        {
            throw new ScriptException(name, $"{Contract}; it returned a {_lua.Type(-1).ToString().ToLowerInvariant()} value");
        }

        var envelope = LuaNative.GetTop(_l);
        LuaNative.RawGetInteger(_l, Registry, _refKeyOk);
        var okType = (LuaType)LuaNative.RawGet(_l, envelope);
        var ok = okType == LuaType.Boolean && LuaNative.ToBoolean(_l, -1) != 0;
        LuaNative.SetTop(_l, -2);
        if (okType != LuaType.Boolean)
        {
            throw new ScriptException(name, $"{Contract}; its 'ok' field is {(okType == LuaType.Nil ? "missing" : "not a boolean")}");
        }

        LuaNative.RawGetInteger(_l, Registry, ok ? _refKeyValue : _refKeyError);
        _ = LuaNative.RawGet(_l, envelope);
        if (!ok)
        {
            throw new ScriptException(name, DescribeError(-1));
        }

        try
        {
            BeginConversion();
            return ToJson(LuaNative.GetTop(_l), 1, "$.value");
        }
        catch (ConversionException ex)
        {
            throw new ScriptException(name, "result: " + ex.Message, ex.Limit);
        }
    }

    // Every Lua -> JSON conversion (result, error value, primitive argument) is held to the call's output
    // cap; every 1024 nodes it also checks the deadline and the cancellation token.
    private int _outputBytes;
    private int _maxOutputBytes = int.MaxValue;
    private long _convertedNodes;
    private string? _limitDetail;

    private void BeginConversion()
    {
        _outputBytes = 0;
        _convertedNodes = 0;
    }

    private void CountNode()
    {
        if ((++_convertedNodes & 1023) == 0)
        {
            if (_cancellation.IsCancellationRequested)
            {
                throw new ConversionException("the call was cancelled during a JSON conversion", ScriptLimit.Cancelled);
            }

            if (_time.GetUtcNow() >= _deadline)
            {
                throw new ConversionException("the deadline passed during a JSON conversion", ScriptLimit.Deadline);
            }
        }
    }

    /// <summary>An error message string, cut at the output cap.</summary>
    private string ReadErrorString(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        if (p == null)
        {
            return string.Empty;
        }

        if (length <= (nuint)_maxOutputBytes)
        {
            return Encoding.UTF8.GetString(p, checked((int)length));
        }

        return Encoding.UTF8.GetString(p, _maxOutputBytes) + $"... (truncated: {length} bytes in all)";
    }

    // ---------------------------------------------------------------- allocator and hook

    [UnmanagedCallersOnly]
    private static IntPtr AllocateThunk(IntPtr ud, IntPtr ptr, nuint osize, nuint nsize) =>
        ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).Allocate(ud, ptr, osize, nsize);

    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
    {
        var old = ptr == IntPtr.Zero ? 0L : (long)(ulong)osize;
        if (nsize == 0)
        {
            if (ptr != IntPtr.Zero)
            {
                NativeMemory.Free((void*)ptr);
                _allocated -= old;
            }

            return IntPtr.Zero;
        }

        if ((ulong)nsize > long.MaxValue / 2)
        {
            Exceed(ScriptLimit.Memory);
            return IntPtr.Zero;
        }

        var grow = (long)(ulong)nsize - old;
        if (grow > 0 && _enforcing && (Limit == ScriptLimit.Memory || _allocated + grow > _memoryCap))
        {
            Exceed(ScriptLimit.Memory);
            return IntPtr.Zero;
        }

        var block = NativeMemory.Realloc((void*)ptr, nsize);
        if (block == null)
        {
            return IntPtr.Zero;
        }

        _allocated += grow;
        return (IntPtr)block;
    }

    [UnmanagedCallersOnly]
    private static void HookThunk(IntPtr state, IntPtr ar)
    {
        LuaNative.GetAllocator(state, out var ud);
        ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).OnHook(state, ar);
    }

    private void OnHook(IntPtr state, IntPtr ar)
    {
        _instructions += HookInterval;
        if (_instructions >= _maxInstructions)
        {
            Exceed(ScriptLimit.Instructions);
        }
        else if (_cancellation.IsCancellationRequested)
        {
            Exceed(ScriptLimit.Cancelled);
        }
        else if (_time.GetUtcNow() >= _deadline)
        {
            Exceed(ScriptLimit.Deadline);
        }
    }

    /// <summary>
    /// Records the first budget exceeded and swaps the hook for native <c>lua_error</c> on every
    /// instruction: the error is raised from native code only (never across a managed frame) and keeps
    /// being raised until the script has unwound, so <c>pcall</c> cannot swallow it.
    /// </summary>
    private void Exceed(ScriptLimit limit)
    {
        if (Limit == ScriptLimit.None)
        {
            Limit = limit;
        }

        if (!_disposed)
        {
            LuaNative.SetHook(_l, LuaNative.ErrorFunction, LuaNative.MaskCount, 1);
        }
    }

    // ---------------------------------------------------------------- work done inside library functions

    /// <summary>Work below this many instructions is not worth a native call to charge.</summary>
    internal const int FreeWork = 256;

    [UnmanagedCallersOnly]
    private static int ChargeThunk(IntPtr state)
    {
        LuaNative.GetAllocator(state, out var ud);
        return ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).ChargeNative(state);
    }

    /// <summary><c>__seed()</c>: two integers from the system's cryptographic generator. Never raises.</summary>
    [UnmanagedCallersOnly]
    private static int SeedThunk(IntPtr state)
    {
        Span<long> seed = stackalloc long[2];
        try
        {
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(seed));
        }
        catch (CryptographicException)
        {
            seed[0] = Environment.TickCount64;
            seed[1] = state;
        }

        LuaNative.PushInteger(state, seed[0]);
        LuaNative.PushInteger(state, seed[1]);
        return 2;
    }

    [UnmanagedCallersOnly]
    private static int PatternThunk(IntPtr state)
    {
        LuaNative.GetAllocator(state, out var ud);
        return ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).PatternNative(state);
    }

    /// <summary>
    /// <c>__charge(units, what)</c>: adds work a library function is about to do to the instruction count.
    /// Returns <c>true</c>, or <c>false</c> once the budget is exhausted (the hook then stops the script).
    /// Never raises.
    /// </summary>
    private int ChargeNative(IntPtr l)
    {
        var units = LuaNative.ToNumberX(l, 1, null);
        var ok = Charge(units, l, 2);
        LuaNative.PushBoolean(l, ok ? 1 : 0);
        return 1;
    }

    private bool Charge(double units, IntPtr l, int whatIndex)
    {
        var remaining = (double)_maxInstructions - _instructions;
        if (units < remaining)
        {
            _instructions += (long)Math.Ceiling(Math.Max(0, units));
            return true;
        }

        if (Limit == ScriptLimit.None)
        {
            var what = (LuaType)LuaNative.Type(l, whatIndex) == LuaType.String ? ReadStringLossy(whatIndex) : "a library function";
            _limitDetail = $"{what}: the work it would do ({FormatUnits(units)} instructions) exceeds the instruction budget left ({FormatUnits(remaining)})";
        }

        _instructions = _maxInstructions;
        Exceed(ScriptLimit.Instructions);
        return false;
    }

    private static string FormatUnits(double units) =>
        double.IsFinite(units) && units < 1e18 ? ((long)Math.Ceiling(units)).ToString(CultureInfo.InvariantCulture) : units.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>__pattern(op, s, p [, init [, plain]])</c>, called before <c>string.find</c>, <c>match</c>,
    /// <c>gmatch</c> or <c>gsub</c> with the call's own arguments. Bounds the matcher's work (see
    /// <see cref="LuaPatternCost"/>) and returns <c>true</c> when the call may go ahead (its bound charged),
    /// <c>rate, start, fail</c> when the call is to be charged after it returns, from where its match ended
    /// (<c>fail</c> when it matched nothing), <c>nil</c> when the function will probably raise an error
    /// (arguments of the wrong type, cost charged for a pattern that may fail part way), or <c>false</c>
    /// when the bound exceeds the budget left (the hook then stops the script). Never raises and never
    /// allocates in the Lua state.
    /// </summary>
    private int PatternNative(IntPtr l)
    {
        var raw = LuaNative.ToIntegerX(l, 1, null);
        var operation = (LuaPatternCost.Operation)(raw & 7);
        var pushed = PatternDecision(l, operation);
        if ((raw & 8) == 0)
        {
            return pushed;
        }

        // Asked for the bound's shape too: 'alpha, beta' (in matcher steps) when every call of this operation
        // with this pattern costs at most alpha + beta * n on a subject of n bytes, for the caller to cache.
        for (; pushed < 3; pushed++)
        {
            LuaNative.PushNil(l);
        }

        Span<byte> scratch = stackalloc byte[48];
        if (TryText(l, 3, scratch, out var pattern) && LuaPatternCost.Affine(pattern, operation) is { } shape)
        {
            LuaNative.PushNumber(l, shape.Alpha);
            LuaNative.PushNumber(l, shape.Beta);
        }
        else
        {
            LuaNative.PushNil(l);
            LuaNative.PushNil(l);
        }

        return 5;
    }

    private int PatternDecision(IntPtr l, LuaPatternCost.Operation operation)
    {
        try
        {
            Span<byte> subjectScratch = stackalloc byte[48];
            Span<byte> patternScratch = stackalloc byte[48];
            if (!TryText(l, 2, subjectScratch, out var subject) || !TryText(l, 3, patternScratch, out var pattern))
            {
                LuaNative.PushNil(l);
                return 1;
            }

            var mayRaise = false;
            if (operation == LuaPatternCost.Operation.Gsub)
            {
                // The replacement and the count are checked before any matching; a '%' in a replacement
                // string may be rejected part way.
                var replacement = (LuaType)LuaNative.Type(l, 4);
                int countIsNumber;
                _ = LuaNative.ToIntegerX(l, 5, &countIsNumber);
                if (replacement is not (LuaType.String or LuaType.Number or LuaType.Table or LuaType.Function)
                    || ((LuaType)LuaNative.Type(l, 5) is not (LuaType.None or LuaType.Nil) && countIsNumber == 0))
                {
                    LuaNative.PushNil(l);
                    return 1;
                }

                if (replacement == LuaType.String)
                {
                    var r = LuaNative.ToLString(l, 4, out var rlength);
                    mayRaise = new ReadOnlySpan<byte>(r, checked((int)rlength)).Contains((byte)'%');
                }
            }

            long length = subject.Length;
            long init = 1;
            if (operation != LuaPatternCost.Operation.Gsub && (LuaType)LuaNative.Type(l, 4) is not (LuaType.None or LuaType.Nil))
            {
                int isNumber;
                var given = LuaNative.ToIntegerX(l, 4, &isNumber);
                if (isNumber == 0)
                {
                    LuaNative.PushNil(l);
                    return 1;
                }

                init = given > 0 ? given : given == 0 || given < -length ? 1 : length + given + 1;
            }

            if (init > length + 1)
            {
                if (operation != LuaPatternCost.Operation.Gmatch)
                {
                    LuaNative.PushBoolean(l, 1); // nothing to match: the function returns fail at once
                    return 1;
                }

                init = length + 1;
            }

            var plain = operation == LuaPatternCost.Operation.Find && LuaNative.ToBoolean(l, 5) != 0;
            var bound = LuaPatternCost.Estimate(pattern, length - init + 1, operation, plain);
            var worst = bound.Worst / LuaPatternCost.StepsPerInstruction;
            var remaining = (double)_maxInstructions - _instructions;
            if (!(worst < remaining))
            {
                if (Limit == ScriptLimit.None)
                {
                    var name = operation.ToString().ToLowerInvariant();
                    _limitDetail = $"string.{name}: the pattern is too costly for the subject: up to {FormatUnits(bound.Worst)} matching steps " +
                        $"on {length} bytes, more than the instruction budget left allows ({FormatUnits(remaining * LuaPatternCost.StepsPerInstruction)})";
                }

                _instructions = _maxInstructions;
                Exceed(ScriptLimit.Instructions);
                LuaNative.PushBoolean(l, 0);
                return 1;
            }

            mayRaise |= bound.MayRaise;
            if (bound.Rate > 0 && worst > FreeWork && !mayRaise)
            {
                LuaNative.PushNumber(l, bound.Rate / LuaPatternCost.StepsPerInstruction);
                LuaNative.PushInteger(l, init);
                LuaNative.PushNumber(l, bound.FailCost / LuaPatternCost.StepsPerInstruction);
                return 3;
            }

            _instructions += (long)Math.Ceiling(worst);
            if (mayRaise)
            {
                LuaNative.PushNil(l);
            }
            else
            {
                LuaNative.PushBoolean(l, 1);
            }

            return 1;
        }
        catch (Exception ex)
        {
            // Fail closed: a call that could not be bounded does not run.
            _limitDetail ??= "string pattern: the cost of the call could not be bounded: " + ex.Message;
            Exceed(ScriptLimit.Instructions);
            LuaNative.PushBoolean(l, 0);
            return 1;
        }
    }

    /// <summary>
    /// The bytes of a string argument, or of a number's string form (formatted here, so the Lua stack is not
    /// converted in place, which would allocate); false for any other type.
    /// </summary>
    private static bool TryText(IntPtr l, int index, Span<byte> scratch, out ReadOnlySpan<byte> text)
    {
        switch ((LuaType)LuaNative.Type(l, index))
        {
            case LuaType.String:
                var p = LuaNative.ToLString(l, index, out var length);
                text = new ReadOnlySpan<byte>(p, checked((int)length));
                return true;
            case LuaType.Number:
                int written;
                if (LuaNative.IsInteger(l, index) != 0)
                {
                    LuaNative.ToIntegerX(l, index, null).TryFormat(scratch, out written, default, CultureInfo.InvariantCulture);
                }
                else
                {
                    // Lua writes floats with "%.14g" (plus ".0" when that looks like an integer); the same
                    // length and the same special characters are all the bound needs.
                    var d = LuaNative.ToNumberX(l, index, null);
                    var s = double.IsNaN(d) ? "nan" : double.IsInfinity(d) ? (d > 0 ? "inf" : "-inf") : d.ToString("G14", CultureInfo.InvariantCulture);
                    if (double.IsFinite(d) && s.AsSpan().IndexOfAny('.', 'E') < 0)
                    {
                        s += ".0";
                    }

                    written = Encoding.ASCII.GetBytes(s.ToLowerInvariant(), scratch);
                }

                text = scratch[..written];
                return true;
            default:
                text = default;
                return false;
        }
    }

    // ---------------------------------------------------------------- host primitives

    private void AddNative(string name, Func<IntPtr, int> body)
    {
        LuaFunction fn = l => InvokeNative(l, body);
        _natives.Add(fn);
        _lua.PushCFunction(fn);
        _lua.SetField(-2, name);
    }

    /// <summary>
    /// Runs a primitive. Never raises a Lua error from here: returns <c>true, result</c> or
    /// <c>false, message</c> and the Lua wrapper raises.
    /// </summary>
    private int InvokeNative(IntPtr l, Func<IntPtr, int> body)
    {
        var wasEnforcing = _enforcing;
        _enforcing = false;
        var top = _lua.GetTop();
        try
        {
            if (l != _l || !_lua.CheckStack(8))
            {
                throw new ConversionException("not callable here", ScriptLimit.None);
            }

            _convertedNodes = 0;
            return body(l);
        }
        catch (Exception ex)
        {
            // A budget hit while converting (output cap, deadline, cancellation) stops the script like any
            // other budget; other failures are ordinary errors the script may catch.
            if (ex is ConversionException { Limit: ScriptLimit.OutputSize or ScriptLimit.Deadline or ScriptLimit.Cancelled or ScriptLimit.Instructions } limit)
            {
                _limitDetail ??= "host primitive: " + limit.Message;
                Exceed(limit.Limit);
            }

            _lua.SetTop(top);
            _lua.PushBoolean(false);
            _lua.PushString(ex.Message);
            return 2;
        }
        finally
        {
            _enforcing = wasEnforcing;

            // The work a primitive did converting values counts against the instruction budget.
            _instructions += _convertedNodes;
            if (wasEnforcing && _allocated > _memoryCap)
            {
                Exceed(ScriptLimit.Memory);
            }
            else if (wasEnforcing && _instructions >= _maxInstructions)
            {
                Exceed(ScriptLimit.Instructions);
            }
        }
    }

    private JsonNode? Arg(int index)
    {
        _outputBytes = 0;
        return _lua.Type(index) is LuaType.None or LuaType.Nil ? null : ToJson(index, 1, $"$arg{index}");
    }

    private int ReturnJson(JsonNode? value)
    {
        _lua.PushBoolean(true);
        PushJson(value, 1, "$");
        return 2;
    }

    private int ReturnString(string value)
    {
        _lua.PushBoolean(true);
        PushString(value);
        return 2;
    }

    private int CanonicalJsonPrimitive(IntPtr l) => ReturnString(CanonicalJson.Serialize(Arg(1)));

    private int ContentHashPrimitive(IntPtr l)
    {
        if (_lua.Type(1) != LuaType.String)
        {
            return ReturnString(ContentHash.Of(Arg(1)));
        }

        var text = ReadString(1);
        ChargeWork(text.Length / 16);
        return ReturnString(ContentHash.OfCanonical(text));
    }

    private const int PatchSegmentOps = 32;

    private int JsonPatchPrimitive(IntPtr l)
    {
        var document = Arg(1);
        var operations = Arg(2);
        return ReturnJson(ApplyPatch(document, operations));
    }

    /// <summary>
    /// Applies a JSON Patch under the call's budgets. A <c>copy</c>, <c>move</c> or <c>test</c> may clone or
    /// compare the whole document, so each is charged the document's size; a <c>copy</c> can double the
    /// document, so the patch is applied in segments that end at each <c>copy</c> (and every
    /// <see cref="PatchSegmentOps"/> operations) and the document is measured against the output cap
    /// after each one.
    /// </summary>
    private JsonNode? ApplyPatch(JsonNode? document, JsonNode? operations)
    {
        var errors = JsonPatch.Validate(operations);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        var ops = (JsonArray)operations!;
        var size = MeasureJson(document, 0);
        var root = document;
        var start = 0;
        do
        {
            // The segment clones the document once; copy, move and test may each clone or compare all of it.
            var end = start;
            var cost = size;
            while (end < ops.Count && end - start < PatchSegmentOps)
            {
                var name = OperationName(ops[end]);
                end++;
                cost += name is "copy" or "move" or "test" ? size : 16;
                if (name == "copy")
                {
                    break;
                }
            }

            ChargeWork(cost);
            if (start == 0 && end == ops.Count)
            {
                return JsonPatch.Apply(root, ops);
            }

            var segment = new JsonArray();
            for (var i = start; i < end; i++)
            {
                segment.Add(ops[i]!.DeepClone());
            }

            try
            {
                root = JsonPatch.Apply(root, segment);
            }
            catch (ValidationException ex) when (start > 0)
            {
                throw new ValidationException(ex.Errors.Select(e => e with { Path = ShiftOperationIndex(e.Path, start) }).ToList());
            }

            size = MeasureJson(root, 0);
            if (size > _maxOutputBytes)
            {
                throw new ConversionException($"json_patch: the document grew beyond {_maxOutputBytes} bytes of JSON at operation {end - 1}", ScriptLimit.OutputSize);
            }

            start = end;
        }
        while (start < ops.Count);

        return root;
    }

    private static string? OperationName(JsonNode? op) =>
        op is JsonObject o && o["op"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;

    /// <summary>Rewrites <c>$[k]...</c> to <c>$[start + k]...</c> for an error raised by a segment of the patch.</summary>
    private static string ShiftOperationIndex(string path, int start)
    {
        if (!path.StartsWith("$[", StringComparison.Ordinal))
        {
            return path;
        }

        var close = path.IndexOf(']', 2);
        return close > 2 && int.TryParse(path.AsSpan(2, close - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            ? $"$[{start + k}{path[close..]}"
            : path;
    }

    /// <summary>A rough size of a document in bytes of JSON (nodes plus string and key lengths), stopping past the cap.</summary>
    private long MeasureJson(JsonNode? node, long size)
    {
        CountNode();
        size += 2;
        if (size > _maxOutputBytes)
        {
            return size;
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    size = MeasureJson(value, size + key.Length + 2);
                    if (size > _maxOutputBytes)
                    {
                        return size;
                    }
                }

                return size;
            case JsonArray arr:
                foreach (var item in arr)
                {
                    size = MeasureJson(item, size);
                    if (size > _maxOutputBytes)
                    {
                        return size;
                    }
                }

                return size;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return size + value.GetValue<string>().Length;
            default:
                return size + 8;
        }
    }

    /// <summary>Charges work done in managed code to the instruction budget, before doing it; checks the clock too.</summary>
    private void ChargeWork(long units)
    {
        _convertedNodes += units;
        if (_instructions + _convertedNodes >= _maxInstructions)
        {
            throw new ConversionException($"the work ({units} steps) exceeds the instruction budget left", ScriptLimit.Instructions);
        }

        if (_cancellation.IsCancellationRequested)
        {
            throw new ConversionException("the call was cancelled", ScriptLimit.Cancelled);
        }

        if (_time.GetUtcNow() >= _deadline)
        {
            throw new ConversionException("the deadline passed", ScriptLimit.Deadline);
        }
    }

    private int UserPrimitive(Func<JsonNode?, JsonNode?> primitive) => ReturnJson(primitive(Arg(1)));

    // ---------------------------------------------------------------- JSON -> Lua

    private void PushJson(JsonNode? node, int depth, string path)
    {
        CountNode();
        switch (node)
        {
            case null:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
            case JsonObject obj:
                CheckDepth(depth, path);
                EnsureStack(path);
                _lua.CreateTable(0, obj.Count);
                LuaNative.RawGetInteger(_l, Registry, _refObjectMeta);
                LuaNative.SetMetaTable(_l, -2);
                foreach (var (key, value) in obj)
                {
                    PushString(key);
                    PushJson(value, depth + 1, path);
                    _lua.RawSet(-3);
                }

                return;
            case JsonArray arr:
                CheckDepth(depth, path);
                EnsureStack(path);
                _lua.CreateTable(arr.Count, 0);
                LuaNative.RawGetInteger(_l, Registry, _refArrayMeta);
                LuaNative.SetMetaTable(_l, -2);
                for (var i = 0; i < arr.Count; i++)
                {
                    PushJson(arr[i], depth + 1, path);
                    _lua.RawSetInteger(-2, i + 1);
                }

                return;
            case JsonValue value:
                PushValue(value);
                return;
            default:
                throw new ConversionException($"unsupported JSON node {node.GetType().Name}", ScriptLimit.None);
        }
    }

    /// <summary>Room for one more level of a document being pushed; a full Lua stack is a conversion error, never a write past its end.</summary>
    private void EnsureStack(string path)
    {
        if (!_lua.CheckStack(4))
        {
            throw new ConversionException($"the Lua stack is too full to hold the document at {path}", ScriptLimit.Depth);
        }
    }

    private void CheckDepth(int depth, string path)
    {
        if (depth > _maxDepth)
        {
            throw new ConversionException($"nested deeper than {_maxDepth} levels at {path}", ScriptLimit.Depth);
        }
    }

    private void PushValue(JsonValue value)
    {
        // The kind first (a plain virtual call), then as few generic TryGetValue calls as the kind needs.
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                LuaNative.PushBoolean(_l, 1);
                return;
            case JsonValueKind.False:
                LuaNative.PushBoolean(_l, 0);
                return;
            case JsonValueKind.Null:
                LuaNative.PushLightUserData(_l, IntPtr.Zero);
                return;
            case JsonValueKind.String when value.TryGetValue<string>(out var s):
                PushString(s);
                return;
            case JsonValueKind.Number:
                PushNumber(value);
                return;
            default:
                PushJson(JsonNode.Parse(value.ToJsonString()), 1, "$");
                return;
        }
    }

    private void PushNumber(JsonValue value)
    {
        // Parsed numbers: an integer only when the text has no fraction or exponent ("1.0" and "1e2" stay floats).
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out var integer))
            {
                LuaNative.PushInteger(_l, integer);
            }
            else
            {
                LuaNative.PushNumber(_l, element.GetDouble());
            }

            return;
        }

        // Values created from .NET numbers keep their type: integers stay integers, doubles stay floats.
        if (value.TryGetValue<int>(out var i))
        {
            LuaNative.PushInteger(_l, i);
        }
        else if (value.TryGetValue<long>(out var n))
        {
            LuaNative.PushInteger(_l, n);
        }
        else if (value.TryGetValue<double>(out var d))
        {
            LuaNative.PushNumber(_l, d);
        }
        else
        {
            PushNumberText(value.ToJsonString());
        }
    }

    private void PushNumberText(string text)
    {
        if (text.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            _lua.PushInteger(n);
        }
        else
        {
            _lua.PushNumber(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    private int RefString(ReadOnlySpan<byte> text)
    {
        PushUtf8(text);
        return _lua.Ref(LuaRegistry.Index);
    }

    private void PushUtf8(ReadOnlySpan<byte> text)
    {
        fixed (byte* p = text)
        {
            LuaNative.PushLString(_l, p, (nuint)text.Length);
        }
    }

    private void PushString(string value)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ConversionException("a string is not valid Unicode (lone surrogate)", ScriptLimit.None);
        }

        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            StrictUtf8.GetBytes(value, buffer);
            fixed (byte* p = buffer)
            {
                LuaNative.PushLString(_l, p, (nuint)length);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // ---------------------------------------------------------------- Lua -> JSON

    private string ReadString(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        try
        {
            return StrictUtf8.GetString(p, checked((int)length));
        }
        catch (DecoderFallbackException)
        {
            throw new ConversionException("a string is not valid UTF-8", ScriptLimit.None);
        }
    }

    private string ReadStringLossy(int index)
    {
        var p = LuaNative.ToLString(_l, index, out var length);
        return p == null ? string.Empty : Encoding.UTF8.GetString(p, checked((int)length));
    }

    private void CountOutput(int bytes)
    {
        _outputBytes += bytes;
        if (_outputBytes > _maxOutputBytes)
        {
            throw new ConversionException($"larger than {_maxOutputBytes} bytes of JSON", ScriptLimit.OutputSize);
        }
    }

    private readonly List<(string? Key, long Index)> _path = [];
    private string _pathRoot = "$";

    private string CurrentPath()
    {
        var sb = new StringBuilder(_pathRoot);
        foreach (var (key, idx) in _path)
        {
            if (key is null)
            {
                sb.Append('[').Append(idx.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                sb.Append('.').Append(key);
            }
        }

        return sb.ToString();
    }

    private JsonNode? ToJson(int index, int depth, string root)
    {
        _path.Clear();
        _pathRoot = root;
        return ToJson(index, depth);
    }

    private JsonNode? ToJson(int index, int depth)
    {
        CountNode();
        var type = (LuaType)LuaNative.Type(_l, index);
        switch (type)
        {
            case LuaType.Nil:
                CountOutput(4);
                return null;
            case LuaType.Boolean:
                CountOutput(5);
                return JsonValue.Create(LuaNative.ToBoolean(_l, index) != 0);
            case LuaType.Number:
                if (LuaNative.IsInteger(_l, index) != 0)
                {
                    CountOutput(8);
                    return JsonValue.Create(LuaNative.ToIntegerX(_l, index, null));
                }

                CountOutput(12);
                return DoubleNode(LuaNative.ToNumberX(_l, index, null));
            case LuaType.String:
                var s = ReadString(index);
                CountOutput(s.Length + 2);
                return JsonValue.Create(s);
            case LuaType.LightUserData when _lua.ToUserData(index) == IntPtr.Zero:
                CountOutput(4);
                return null;
            case LuaType.Table:
                return TableToJson(_lua.AbsIndex(index), depth);
            default:
                var kind = type == LuaType.Thread ? "thread (coroutine)" : type.ToString().ToLowerInvariant();
                throw new ConversionException($"{CurrentPath()} is a {kind} value, which has no JSON form", ScriptLimit.None);
        }
    }

    private JsonNode DoubleNode(double d)
    {
        if (!double.IsFinite(d))
        {
            throw new ConversionException($"{CurrentPath()} is {d.ToString(CultureInfo.InvariantCulture)}, which has no JSON form", ScriptLimit.None);
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0
            ? JsonNode.Parse(text + ".0")!
            : JsonValue.Create(d);
    }

    private JsonNode TableToJson(int index, int depth)
    {
        var path = depth > _maxDepth || !_lua.CheckStack(6) ? CurrentPath() : string.Empty;
        CheckDepth(depth, path);
        if (!_lua.CheckStack(6))
        {
            throw new ConversionException($"nested too deeply at {CurrentPath()}", ScriptLimit.Depth);
        }

        var marker = 0; // 1 array, 2 object
        if (LuaNative.GetMetaTable(_l, index) != 0)
        {
            var mt = LuaNative.ToPointer(_l, -1);
            marker = mt == _arrayMetaPtr ? 1 : mt == _objectMetaPtr ? 2 : 0;
            LuaNative.SetTop(_l, -2);
        }

        List<KeyValuePair<string, JsonNode?>>? members = null;
        List<KeyValuePair<long, JsonNode?>>? items = null;
        CountOutput(2);
        _lua.PushNil();
        while (LuaNative.Next(_l, index) != 0)
        {
            var keyType = (LuaType)LuaNative.Type(_l, -2);
            if (keyType == LuaType.String)
            {
                var key = ReadString(-2);
                CountOutput(key.Length + 4);
                _path.Add((key, 0));
                (members ??= []).Add(new(key, ToJson(-1, depth + 1)));
                _path.RemoveAt(_path.Count - 1);
            }
            else if (keyType == LuaType.Number && LuaNative.IsInteger(_l, -2) != 0)
            {
                var key = LuaNative.ToIntegerX(_l, -2, null);
                CountOutput(1);
                _path.Add((null, key));
                (items ??= []).Add(new(key, ToJson(-1, depth + 1)));
                _path.RemoveAt(_path.Count - 1);
            }
            else
            {
                _lua.Pop(2);
                throw new ConversionException($"{CurrentPath()} has a key of type {(keyType == LuaType.Number ? "float" : keyType.ToString().ToLowerInvariant())}; JSON objects take string keys and arrays the keys 1..n", ScriptLimit.None);
            }

            LuaNative.SetTop(_l, -2);
        }

        if (members is not null && (items is not null || marker == 1))
        {
            throw new ConversionException($"{CurrentPath()} mixes string keys with array elements", ScriptLimit.None);
        }

        if (items is not null && marker == 2)
        {
            throw new ConversionException($"{CurrentPath()} is marked as an object but has integer keys", ScriptLimit.None);
        }

        if (items is not null || marker == 1)
        {
            var count = items?.Count ?? 0;
            var slots = new JsonNode?[count];
            for (var i = 0; i < count; i++)
            {
                var (key, value) = items![i];
                if (key < 1 || key > count)
                {
                    throw new ConversionException($"{CurrentPath()} is not a sequence: key {key} is outside 1..{count} (use host.null for null elements)", ScriptLimit.None);
                }

                slots[key - 1] = value;
            }

            return new JsonArray(slots);
        }

        var obj = new JsonObject();
        if (members is not null)
        {
            foreach (var member in members)
            {
                obj.Add(member);
            }
        }

        return obj;
    }

    /// <summary>A value that cannot cross between JSON and Lua.</summary>
    private sealed class ConversionException(string message, ScriptLimit limit) : Exception(message)
    {
        public ScriptLimit Limit { get; } = limit;
    }
}
