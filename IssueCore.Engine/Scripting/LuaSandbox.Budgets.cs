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
