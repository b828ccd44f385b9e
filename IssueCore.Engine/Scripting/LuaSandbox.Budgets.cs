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

/// <summary>The budgets: the memory-capped allocator, the count hook, and library work charged to the instruction budget.</summary>
internal sealed unsafe partial class LuaSandbox
{
    private static string LimitMessage(ScriptLimit limit) => limit switch
    {
        ScriptLimit.Instructions => "the instruction budget was exhausted",
        ScriptLimit.Memory => "the memory cap was reached",
        ScriptLimit.Deadline => "the deadline passed",
        ScriptLimit.Cancelled => "the call was cancelled",
        ScriptLimit.OutputSize => "a value converted to JSON was larger than the output cap",
        _ => limit.ToString(),
    };

    [UnmanagedCallersOnly]
    private static IntPtr AllocateThunk(IntPtr ud, IntPtr ptr, nuint osize, nuint nsize) =>
        ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).Allocate(ud, ptr, osize, nsize);

    /// <summary>Bytes a library function reads, writes or allocates that count as one instruction.</summary>
    internal const int BytesPerInstruction = 16;

    /// <summary>
    /// The allocator: holds the state to the memory cap and charges every byte a running script allocates to
    /// the instruction budget (<see cref="BytesPerInstruction"/> bytes per instruction), so native work that
    /// builds strings or tables (case changes, <c>rep</c>, <c>format</c>, concatenation, <c>pack</c>...) costs
    /// what it writes. A request over the cap is refused once without stopping the script, so Lua's
    /// emergency collection can free room and retry; a second refusal in a row stops the script with
    /// <see cref="ScriptLimit.Memory"/>. A failure of the system allocator is a refusal too, never an
    /// exception thrown through native frames.
    /// </summary>
    internal IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
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
            return Refuse();
        }

        var grow = (long)(ulong)nsize - old;
        if (grow > 0 && (long)(ulong)nsize > _largestBlock)
        {
            _largestBlock = (long)(ulong)nsize;
        }

        if (grow > 0 && _enforcing)
        {
            if (_allocated + grow > _memoryCap)
            {
                return Refuse();
            }

            _instructions += grow / BytesPerInstruction;
            if (_instructions >= _maxInstructions && Limit == ScriptLimit.None)
            {
                _limitDetail ??= "the work done in library functions (bytes allocated) exhausted the instruction budget";
                Exceed(ScriptLimit.Instructions);
            }
        }

        void* block;
        try
        {
            block = Realloc((void*)ptr, nsize);
        }
        catch (OutOfMemoryException)
        {
            return Refuse();
        }

        if (block == null)
        {
            return Refuse();
        }

        _refusals = 0;
        _allocated += grow;
        return (IntPtr)block;
    }

    /// <summary>
    /// <see cref="NativeMemory.Realloc"/> in a method of its own: called inside a try region, its P/Invoke would not be
    /// inlined and each allocation would go through a marshalling stub.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void* Realloc(void* ptr, nuint size) => NativeMemory.Realloc(ptr, size);

    /// <summary>Refuses an allocation: the first time Lua may collect and retry; the second in a row stops a running script.</summary>
    private IntPtr Refuse()
    {
        if (_enforcing)
        {
            _refusedInRun = true;
            if (++_refusals >= 2)
            {
                Exceed(ScriptLimit.Memory);
            }
        }

        return IntPtr.Zero;
    }

    [UnmanagedCallersOnly]
    private static void HookThunk(IntPtr state, IntPtr ar)
    {
        LuaNative.GetAllocator(state, out var ud);
        ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).OnHook(state, ar);
    }

    private void OnHook(IntPtr state, IntPtr ar)
    {
        if (!_running)
        {
            // Armed by Interrupt just as the run ended (the run does not take the lock): Lua code running between runs
            // (a finalizer) is not a script's work, so the stray hook disarms itself and charges nothing.
            _interrupted = false;
            LuaNative.SetHook(_l, IntPtr.Zero, 0, 0);
            return;
        }

        if (Limit != ScriptLimit.None)
        {
            // Re-armed from outside after a budget was exceeded: keep raising.
            Exceed(Limit);
            return;
        }

        if (_interrupted)
        {
            // Armed by the watchdog (one instruction after the request), not by the count: charge nothing,
            // check the clock and the token, and go back to the normal interval.
            _interrupted = false;
            LuaNative.SetHook(_l, _hookPointer, LuaNative.MaskCount, _hookInterval);
        }
        else
        {
            _instructions += _hookInterval;
        }

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
    /// Called from another thread (the deadline timer or the cancellation token): arms the count hook to run
    /// after the next instruction, so the deadline and cancellation are seen within one instruction even
    /// when the count interval is far away. <c>lua_sethook</c> is safe to call asynchronously (the Lua
    /// manual and <c>ldebug.c</c>: it only stores the hook, its mask and count); the lock keeps the call
    /// off a closed state. The run arms and disarms the hook without the lock, so a request that races with the end of a
    /// run may arm the hook of an idle state: such a hook disarms itself the first time it fires outside a run, and one
    /// that lands in the next run is a check of the deadline and the token one interval early (that interval is not
    /// counted, at most once per watchdog period).
    /// </summary>
    internal void Interrupt()
    {
        lock (_interruptLock)
        {
            if (_running && !_disposed)
            {
                _interrupted = true;
                LuaNative.SetHook(_l, _hookPointer, LuaNative.MaskCount, 1);
            }
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

    /// <summary>Work below this many instructions is not worth a native call to charge.</summary>
    internal const int FreeWork = 256;

    [UnmanagedCallersOnly]
    private static int ChargeThunk(IntPtr state)
    {
        LuaNative.GetAllocator(state, out var ud);
        return ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).ChargeNative(state);
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
}
