using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
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
/// <remarks>
/// This file holds the state's lifecycle: creation, one run, the chunk cache, reset and disposal. The
/// budgets (allocator, count hook, charged library work) are in <c>LuaSandbox.Budgets.cs</c>, the bounds
/// of pattern matching in <c>LuaSandbox.PatternBudget.cs</c>, the <c>host.*</c> primitives in
/// <c>LuaSandbox.HostPrimitives.cs</c>, and the conversions in <c>LuaSandbox.JsonToLua.cs</c> and
/// <c>LuaSandbox.LuaToJson.cs</c>.
/// </remarks>
internal sealed unsafe partial class LuaSandbox : IDisposable
{
    private const int HookInterval = 1000;
    private const int Registry = (int)LuaRegistry.Index;
    private const long RetainedBytesThreshold = 2L * 1024 * 1024;

    /// <summary>
    /// After a run that allocated a block larger than this, the next run gets a new environment table and a new input
    /// table instead of the emptied ones: only such a run can have grown a table's parts (a rehash allocates one block
    /// for each), and emptying walks every slot, so the walk stays within about 170 slots.
    /// </summary>
    internal const int ReusedEnvironmentMaxBlockBytes = 4096;
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

    // The global environment and the table of an object input that runs share: emptied after every run (see
    // ClearSharedTables), 0 when there is none yet.
    private int _refEnv;
    private int _refInput;

    // Per-call state.
    private long _allocated;
    private long _memoryCap = long.MaxValue;
    private bool _enforcing;
    private long _instructions;
    private long _largestBlock;
    private long _maxInstructions;
    private CancellationToken _cancellation;
    private DateTimeOffset _deadline;
    private int _maxDepth = 64;
    private bool _disposed;

    // The watchdog (another thread) arms the hook through Interrupt while a script runs; the lock only keeps Interrupt
    // off a closed state, the run itself never takes it.
    private readonly Lock _interruptLock = new();
    private volatile bool _running;
    private volatile bool _interrupted;
    private int _hookInterval = HookInterval;
    private int _refusals;
    private bool _refusedInRun;

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
        _lua.PushInteger(BytesPerInstruction);
        _lua.SetField(-2, "__bytes");
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

    /// <summary>How many global environment tables this state has created; for tests.</summary>
    internal int EnvironmentsCreated { get; private set; }

    /// <summary>How many tables for an object input (<c>_CTX</c>) this state has created; for tests.</summary>
    internal int InputTablesCreated { get; private set; }

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
        _largestBlock = 0;
        _enforcing = false;
        try
        {
            // The native calls are made in helpers outside this method's try regions: inside one, the JIT does not
            // inline a P/Invoke, and each would go through a marshalling stub.
            PrepareRun(name, source);
            try
            {
                // An object input fills the state's input table (the first table the conversion pushes is its top level).
                _reuseInputTable = input is JsonObject;
                PushJson(input, 1, "$");
            }
            catch (ConversionException ex)
            {
                throw new ScriptException(name, "input: " + ex.Message, ex.Limit);
            }
            finally
            {
                _reuseInputTable = false;
            }

            SetEnvironment();
            if (_allocated > _memoryCap)
            {
                Poisoned = true;
                throw new ScriptException(name, $"the input does not fit in the memory cap of {_memoryCap} bytes", ScriptLimit.Memory);
            }

            _hookInterval = (int)Math.Min(HookInterval, Math.Max(1, _maxInstructions));
            LuaStatus status;
            using (cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((LuaSandbox)s!).Interrupt(), this) : default)
            {
                status = CallChunk();
            }

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
            EndRun();
        }
    }

    /// <summary>
    /// Pushes the message handler, the chunk, and the environment (empty: the previous run's was emptied when it ended,
    /// so globals written by one run are invisible to the next) with its <c>_G</c> set, then the key <c>_CTX</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PrepareRun(string name, ScriptSource source)
    {
        LuaNative.SetTop(_l, 0);
        ResetRunState();
        LuaNative.RawGetInteger(_l, Registry, _refMsgh);
        PushChunk(name, source);
        PushEnvironment();
        LuaNative.RawGetInteger(_l, Registry, _refKeyG);
        LuaNative.PushValue(_l, -2);
        LuaNative.RawSet(_l, -3);
        LuaNative.RawGetInteger(_l, Registry, _refKeyCtx);
    }

    /// <summary>Sets the input pushed over the key <c>_CTX</c> in the environment, and the environment as the chunk's <c>_ENV</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SetEnvironment()
    {
        LuaNative.RawSet(_l, -3);
        LuaNative.SetUpValue(_l, 2, 1);
    }

    /// <summary>Calls the chunk with the count hook armed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private LuaStatus CallChunk()
    {
        // Armed without the lock: Interrupt may arm the hook of a state that has just stopped running; the hook
        // then disarms itself if it ever fires outside a run (see OnHook).
        _interrupted = false;
        _refusals = 0;
        _refusedInRun = false;
        LuaNative.SetHook(_l, _hookPointer, LuaNative.MaskCount, _hookInterval);
        _running = true;

        _enforcing = true;
        var status = (LuaStatus)LuaNative.PCallK(_l, 0, 1, 1, IntPtr.Zero, IntPtr.Zero);
        _enforcing = false;
        _running = false;
        LuaNative.SetHook(_l, IntPtr.Zero, 0, 0);
        return status;
    }

    /// <summary>Disarms the hook and leaves the state ready for the next run (or marked poisoned).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndRun()
    {
        _enforcing = false;
        if (_running)
        {
            _running = false;
            LuaNative.SetHook(_l, IntPtr.Zero, 0, 0);
        }

        _cancellation = default;
        if (!_disposed)
        {
            LuaNative.SetTop(_l, 0);
            if (!Poisoned)
            {
                ClearSharedTables();
            }

            ReleaseRetainedMemory();
        }
    }

    /// <summary>Pushes the environment table, created (with the sandbox's globals as its <c>__index</c>) when there is none.</summary>
    private void PushEnvironment()
    {
        if (_refEnv == 0)
        {
            _refEnv = NewMarkedTable(_refEnvMeta);
            EnvironmentsCreated++;
        }

        LuaNative.RawGetInteger(_l, Registry, _refEnv);
    }

    /// <summary>Pushes the input table (marked as a JSON object), created when there is none.</summary>
    private void PushInputTable()
    {
        if (_refInput == 0)
        {
            _refInput = NewMarkedTable(_refObjectMeta);
            InputTablesCreated++;
        }

        LuaNative.RawGetInteger(_l, Registry, _refInput);
    }

    private int NewMarkedTable(int metaRef)
    {
        _lua.CreateTable(0, 4);
        LuaNative.RawGetInteger(_l, Registry, metaRef);
        LuaNative.SetMetaTable(_l, -2);
        return _lua.Ref(LuaRegistry.Index);
    }

    /// <summary>
    /// Empties the environment and the input table after a run, so the next run starts with no globals and sees only its
    /// own input, and the previous input is not kept: every field is removed (<c>_G</c> and <c>_CTX</c> are set again
    /// by the next run). Both tables' metatables are the sandbox's protected ones, which no script can change, and
    /// nothing else a run can write to outlives it (the libraries are read-only proxies, the string metatable is
    /// protected, weak tables and finalizers are refused), so an emptied table is as good as a new one. After a run
    /// that allocated a large block, the tables are dropped instead (see <see cref="ReusedEnvironmentMaxBlockBytes"/>).
    /// </summary>
    private void ClearSharedTables()
    {
        var drop = _largestBlock > ReusedEnvironmentMaxBlockBytes;
        ClearOrDrop(ref _refEnv, drop);
        ClearOrDrop(ref _refInput, drop);
    }

    private void ClearOrDrop(ref int reference, bool drop)
    {
        if (reference == 0)
        {
            return;
        }

        if (drop)
        {
            _lua.Unref(LuaRegistry.Index, reference);
            reference = 0;
            return;
        }

        LuaNative.RawGetInteger(_l, Registry, reference);
        var table = LuaNative.GetTop(_l);
        LuaNative.PushNil(_l);
        while (LuaNative.Next(_l, table) != 0)
        {
            // Drop the value, keep the key for the next step, and clear the field (clearing during a traversal is allowed).
            LuaNative.SetTop(_l, -2);
            LuaNative.PushValue(_l, -1);
            LuaNative.PushNil(_l);
            LuaNative.RawSetExisting(_l, table);
        }

        LuaNative.SetTop(_l, 0);
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
        lock (_interruptLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // Any finalizer still pending at close fails on its first instruction.
        LuaNative.SetHook(_l, LuaNative.ErrorFunction, LuaNative.MaskCount, 1);
        _lua.Close();
        _self.Free();
        GC.KeepAlive(_allocator);
        GC.KeepAlive(_hook);
        GC.KeepAlive(_natives);
    }

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
}
