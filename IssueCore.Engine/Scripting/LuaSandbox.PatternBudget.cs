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

/// <summary>The bound on Lua pattern matching, decided before <c>string.find</c>, <c>match</c>, <c>gmatch</c> and <c>gsub</c> run (see <see cref="LuaPatternCost"/>).</summary>
internal sealed unsafe partial class LuaSandbox
{
    [UnmanagedCallersOnly]
    private static int PatternThunk(IntPtr state)
    {
        LuaNative.GetAllocator(state, out var ud);
        return ((LuaSandbox)GCHandle.FromIntPtr(ud).Target!).PatternNative(state);
    }

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
}
