using System.Buffers;

namespace IssueCore.Scripting;

/// <summary>
/// A conservative bound on the work Lua's pattern matcher (<c>lstrlib.c</c>) can do for one call of
/// <c>string.find</c>, <c>match</c>, <c>gmatch</c> or <c>gsub</c>, from the pattern's shape and the subject's
/// length alone. The matcher backtracks, so a pattern with <c>k</c> quantifiers can take on the order of
/// <c>n^(k+1)</c> steps on a subject of length <c>n</c>; the native code never reaches the instruction hook,
/// so the sandbox refuses a call whose bound exceeds the instruction budget left and charges it otherwise.
/// </summary>
/// <remarks>
/// <para>The bound follows the matcher item by item, from the end of the pattern back. With <c>m</c> the
/// subject length: a single-character item without quantifier costs its class test and goes on with one
/// character less; <c>*</c> and <c>+</c> scan up to <c>m</c> characters and may retry the rest of the
/// pattern at each of <c>m + 1</c> lengths; <c>-</c> tries the rest at each of <c>m + 1</c> lengths;
/// <c>?</c> tries the rest at most twice; <c>%b</c> and back references scan up to <c>m</c> characters.
/// Retrying the rest is not counted when the rest cannot fail (it matches on the first try) or when the
/// rest starts with a character class disjoint from the repeated one (every retry then fails on its first
/// character). An unanchored search multiplies one attempt by the number of start positions, except for
/// patterns shown to be linear: those with no retries at all whose repetitions all end the pattern or are
/// followed only by parts that cannot fail, and those whose first item is a plain class disjoint from every
/// repeated class (an attempt can then only start where no earlier attempt scanned).</para>
/// <para>Classes are compared on what they may match: <c>%a</c>-style classes are exact for ASCII and are
/// assumed to match every byte from 128 up, whatever the C locale says.</para>
/// <para>A step is one call of <c>match()</c> or one character test (a bracket class costs its length).
/// The tests hold the bound against a step-counting port of the matcher on random patterns. The sandbox
/// keeps, per Lua state, the <see cref="Affine"/> shape of patterns whose bound grows linearly, so that a
/// short call is bounded and charged in Lua without calling the host.</para>
/// </remarks>
internal static class LuaPatternCost
{
    /// <summary>How many matcher steps count as one VM instruction.</summary>
    public const double StepsPerInstruction = 4;

    private const int MaxCaptures = 32;

    private static readonly SearchValues<byte> Specials = SearchValues.Create("^$*+?.([%-"u8);

    /// <summary>The recursion the matcher allows (<c>MAXCCALLS</c>) with room to spare: deeper patterns are only ever charged up front.</summary>
    private const int MaxPostChargedDepth = 150;

    public enum Operation
    {
        Find = 1,
        Match = 2,
        Gmatch = 3,
        Gsub = 4,
    }

    /// <summary>
    /// The bound of one call. <see cref="Worst"/> is the most steps the call can take. When
    /// <see cref="Rate"/> is positive the call may instead be charged after it returns: a match ending at
    /// position <c>e</c> took at most <c>(e - start + 2) * Rate</c> steps, a call that matched nothing at
    /// most <see cref="FailCost"/>. <see cref="MayRaise"/> is true when the matcher may raise an error part
    /// way (a malformed pattern, captures that do not balance or are too many, back references).
    /// </summary>
    public readonly record struct Bound(double Worst, double Rate = 0, double FailCost = 0, bool MayRaise = false);

    private enum Kind : byte
    {
        Single,
        Open,
        Close,
        Position,
        End,
        Balance,
        Frontier,
        BackReference,
        Malformed,
    }

    private enum Quantifier : byte
    {
        None,
        Optional,
        Star,
        Plus,
        Lazy,
    }

    private struct Item
    {
        public Kind Kind;
        public Quantifier Quantifier;
        public bool IsDot;
        public int Cost;
        public Bits May;
    }

    /// <summary>Estimates one call on a subject of <paramref name="length"/> bytes from its start position on.</summary>
    /// <param name="pattern">The pattern's bytes.</param>
    /// <param name="length">The subject's length from the start position to its end.</param>
    /// <param name="operation">Which function is called.</param>
    /// <param name="plain">The fourth argument of <c>string.find</c> was true.</param>
    public static Bound Estimate(ReadOnlySpan<byte> pattern, long length, Operation operation, bool plain)
    {
        double n = Math.Max(0, length);
        if (operation == Operation.Find && (plain || NoSpecials(pattern)))
        {
            // lmemfind: memchr for the first byte, then memcmp of the rest at each candidate.
            double l2 = pattern.Length;
            if (l2 == 0 || l2 > n)
            {
                return new Bound(1);
            }

            var perPosition = 1 + Math.Floor(l2 / 16);
            var scan = (n - l2 + 1) * perPosition;
            return new Bound(scan, perPosition, scan);
        }

        var anchored = operation != Operation.Gmatch && pattern.Length > 0 && pattern[0] == (byte)'^';
        if (anchored)
        {
            pattern = pattern[1..];
        }

        if (pattern.Length < 64)
        {
            Span<Item> small = stackalloc Item[pattern.Length + 1];
            return Analyze(pattern, small, n, operation, anchored);
        }

        var items = ArrayPool<Item>.Shared.Rent(pattern.Length + 1);
        try
        {
            return Analyze(pattern, items, n, operation, anchored);
        }
        finally
        {
            ArrayPool<Item>.Shared.Return(items);
        }
    }

    /// <summary>
    /// The bound of every call of <paramref name="operation"/> with this pattern as <c>alpha + beta * n</c>
    /// for a subject of <c>n</c> bytes, or null when it grows faster than linearly or the matcher may raise.
    /// The bound is a polynomial in <c>n</c> with non-negative coefficients, so a zero second difference at
    /// 0 means it has degree at most one.
    /// </summary>
    public static (double Alpha, double Beta)? Affine(ReadOnlySpan<byte> pattern, Operation operation)
    {
        if (operation == Operation.Find && NoSpecials(pattern))
        {
            var perPosition = 1 + Math.Floor(pattern.Length / 16.0);
            return pattern.Length == 0 ? (1, 0) : (perPosition, perPosition);
        }

        var w0 = Estimate(pattern, 0, operation, plain: false);
        var w1 = Estimate(pattern, 1, operation, plain: false);
        var w2 = Estimate(pattern, 2, operation, plain: false);
        if (w0.MayRaise || !double.IsFinite(w2.Worst) || w2.Worst - w1.Worst != w1.Worst - w0.Worst)
        {
            return null;
        }

        return (w0.Worst, w1.Worst - w0.Worst);
    }

    private static Bound Analyze(ReadOnlySpan<byte> pattern, Span<Item> items, double n, Operation operation, bool anchored)
    {
        var count = Parse(pattern, items, out var postSafe);
        var bound = Combine(items[..count], n, operation, anchored, postSafe);
        return bound with { MayRaise = !postSafe };
    }

    private static Bound Combine(ReadOnlySpan<Item> items, double n, Operation operation, bool anchored, bool postSafe)
    {
        var k = items.Length;
        Span<double> work = k < 128 ? stackalloc double[k + 1] : new double[k + 1];
        Span<bool> canFail = k < 128 ? stackalloc bool[k + 1] : new bool[k + 1];
        Span<bool> emptyAtEnd = k < 128 ? stackalloc bool[k + 1] : new bool[k + 1];

        // work[i] bounds the steps from item i to the end when the matcher goes on there directly; going on
        // through a nested call of match() costs one step more. The same recurrence is kept as an affine
        // function a + b*m, valid while no retry multiplies the rest.
        double a = 0, b = 0;
        var m = n;
        work[k] = 0;
        canFail[k] = false;
        emptyAtEnd[k] = true;
        var noRetries = true;
        var twoWay = false;
        var terminalOnly = true;
        for (var i = k - 1; i >= 0; i--)
        {
            ref readonly var item = ref items[i];
            var rest = i + 1;
            double w;
            bool fail, empty;
            switch (item.Kind)
            {
                case Kind.Open:
                case Kind.Close:
                case Kind.Position:
                    w = 1 + work[rest];
                    a += 1;
                    fail = canFail[rest];
                    empty = emptyAtEnd[rest];
                    break;
                case Kind.End:
                    w = 1;
                    a = 1;
                    b = 0;
                    fail = true;
                    empty = true;
                    break;
                case Kind.Malformed:
                    w = 1;
                    a = 1;
                    b = 0;
                    fail = true;
                    empty = false;
                    break;
                case Kind.Balance:
                case Kind.BackReference:
                    w = m + 2 + work[rest];
                    a += 2;
                    b += 1;
                    fail = true;
                    empty = false;
                    noRetries = false;
                    terminalOnly = false;
                    break;
                case Kind.Frontier:
                    w = (2 * item.Cost) + work[rest];
                    a += 2 * item.Cost;
                    fail = true;
                    empty = false;
                    break;
                default:
                    Single(items, i, m, work, canFail, emptyAtEnd, ref a, ref b, ref noRetries, ref twoWay, ref terminalOnly, out w, out fail, out empty);
                    break;
            }

            work[i] = w;
            canFail[i] = fail;
            emptyAtEnd[i] = empty;
        }

        // An attempt is one call of match().
        var attemptWorst = 1 + work[0];
        a += 1;
        var size = k + 1.0;
        double starts = operation is Operation.Gmatch or Operation.Gsub ? 2 * (n + 1) : n + 1;
        double worst;

        // Work provably at most proportional to the span from the start to the end of the match (or to the
        // end of the subject when nothing matched): one attempt along a single path, where each repetition
        // that succeeds consumes all it scanned, or a search whose failed attempts stop in a fixed prefix.
        var linear = false;
        double failCost;
        if (anchored || (!canFail[0] && (operation is Operation.Find or Operation.Match)))
        {
            worst = attemptWorst;
            linear = noRetries && !twoWay;

            // With every repetition ending the pattern, a failed attempt failed in its fixed prefix.
            failCost = terminalOnly ? a + (b * size) : worst;
        }
        else if (noRetries && terminalOnly)
        {
            // Failed attempts stop within the fixed prefix; successful ones scan what they consume.
            worst = (starts * (a + (b * size))) + (b * (n + 1));
            linear = true;
            failCost = worst;
        }
        else if (noRetries && Gated(items))
        {
            // Each subject position is scanned by at most as many attempts as the pattern has items.
            worst = (starts * a) + (2 * b * (n + 1) * size);
            failCost = worst;
        }
        else
        {
            worst = starts * attemptWorst;
            failCost = worst;
        }

        if (double.IsNaN(worst))
        {
            worst = double.PositiveInfinity;
        }

        return linear && postSafe && (operation is Operation.Find or Operation.Match)
            ? new Bound(worst, a + (2 * b * size), Math.Min(failCost, worst))
            : new Bound(worst);
    }

    private static void Single(
        ReadOnlySpan<Item> items, int i, double m, Span<double> work, Span<bool> canFail, Span<bool> emptyAtEnd,
        ref double a, ref double b, ref bool noRetries, ref bool twoWay, ref bool terminalOnly, out double w, out bool fail, out bool empty)
    {
        ref readonly var item = ref items[i];
        var rest = i + 1;
        double c = item.Cost;
        var restFails = canFail[rest];
        switch (item.Quantifier)
        {
            case Quantifier.None:
                w = c + work[rest];
                a += c;
                fail = true;
                empty = false;
                return;
            case Quantifier.Optional:
                if (!restFails)
                {
                    w = c + 1 + work[rest];
                    a += c + 1;
                }
                else
                {
                    // Two tries of the rest (one through a call): still affine, twice over.
                    w = c + 1 + (2 * work[rest]);
                    a = c + 1 + (2 * a);
                    b *= 2;
                    twoWay = true;
                    terminalOnly = false;
                }

                fail = restFails;
                empty = emptyAtEnd[rest];
                return;
            case Quantifier.Star:
            case Quantifier.Plus:
            {
                // match() tests the first character before it looks at the quantifier; the expansion
                // then tests up to m + 1 more.
                var first = c;
                var scan = c * (m + 1);
                if (!restFails || (item.IsDot && emptyAtEnd[rest]))
                {
                    // The first try of the rest, after the longest expansion, matches.
                    w = first + scan + 1 + work[rest];
                    a += first + c + 1;
                    b += c;
                }
                else if (DisjointFromRest(items, i, out var guard))
                {
                    w = first + scan + 1 + work[rest] + (m * guard);
                    a += first + c + 1;
                    b += c + guard;
                    terminalOnly = false;
                }
                else
                {
                    w = first + scan + ((m + 1) * (1 + work[rest]));
                    noRetries = false;
                    terminalOnly = false;
                }

                fail = item.Quantifier == Quantifier.Plus || (restFails && !(item.IsDot && emptyAtEnd[rest]));
                empty = item.Quantifier == Quantifier.Star && emptyAtEnd[rest];
                return;
            }

            default: // lazy, after the first test of the character
                if (!restFails)
                {
                    w = c + 1 + work[rest];
                    a += c + 1;
                    fail = false;
                }
                else if (DisjointFromRest(items, i, out var guard))
                {
                    w = c + ((m + 1) * (c + guard)) + 1 + work[rest];
                    a += c + c + guard + 1;
                    b += c + guard;
                    terminalOnly = false;
                    fail = true;
                }
                else
                {
                    w = c + ((m + 1) * (c + 1 + work[rest]));
                    noRetries = false;
                    terminalOnly = false;
                    fail = !(item.IsDot && emptyAtEnd[rest]);
                }

                empty = emptyAtEnd[rest];
                return;
        }
    }

    /// <summary>
    /// Whether the rest after item <paramref name="i"/> starts (past captures) with something that fails on
    /// any character the item matches: the end anchor, or a class that must consume a character and shares
    /// none with the item. <paramref name="guard"/> is what such a failing try costs.
    /// </summary>
    private static bool DisjointFromRest(ReadOnlySpan<Item> items, int i, out double guard)
    {
        guard = 1; // the call of match() for the rest
        for (var t = i + 1; t < items.Length; t++)
        {
            ref readonly var next = ref items[t];
            switch (next.Kind)
            {
                case Kind.Open:
                case Kind.Close:
                case Kind.Position:
                    guard += 1;
                    continue;
                case Kind.End:
                    guard += 1;
                    return true;
                case Kind.Single when next.Quantifier is Quantifier.None or Quantifier.Plus:
                    guard += next.Cost;
                    return !items[i].May.Intersects(next.May);
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the first item that consumes a character is a class without quantifier that shares no
    /// character with any repeated class of the pattern: a later attempt can then not start inside a run an
    /// earlier attempt scanned.
    /// </summary>
    private static bool Gated(ReadOnlySpan<Item> items)
    {
        var first = -1;
        for (var t = 0; t < items.Length; t++)
        {
            if (items[t].Kind is Kind.Open or Kind.Close or Kind.Position or Kind.Frontier)
            {
                continue;
            }

            if (items[t].Kind != Kind.Single || items[t].Quantifier != Quantifier.None)
            {
                return false;
            }

            first = t;
            break;
        }

        if (first < 0)
        {
            return false;
        }

        var gate = items[first].May;
        for (var t = first + 1; t < items.Length; t++)
        {
            if (items[t].Kind == Kind.Single && items[t].Quantifier is Quantifier.Star or Quantifier.Plus or Quantifier.Lazy && gate.Intersects(items[t].May))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Splits a pattern into the matcher's items, as <c>match()</c> in <c>lstrlib.c</c> reads it. Stops at
    /// the first malformed item (the matcher raises an error when it gets there). <paramref name="postSafe"/>
    /// is false when the matcher might raise an error part way (captures that do not balance, too many,
    /// back references, deep recursion).
    /// </summary>
    private static int Parse(ReadOnlySpan<byte> p, Span<Item> items, out bool postSafe)
    {
        var count = 0;
        var open = 0;
        var captures = 0;
        var depth = 0;
        postSafe = true;
        var i = 0;
        while (i < p.Length)
        {
            ref var item = ref items[count++];
            item = default;
            var ch = p[i];
            if (ch == (byte)'(')
            {
                if (i + 1 < p.Length && p[i + 1] == (byte)')')
                {
                    item.Kind = Kind.Position;
                    i += 2;
                }
                else
                {
                    item.Kind = Kind.Open;
                    open++;
                    i++;
                }

                captures++;
                depth++;
                continue;
            }

            if (ch == (byte)')')
            {
                item.Kind = Kind.Close;
                postSafe &= open > 0;
                open--;
                depth++;
                i++;
                continue;
            }

            if (ch == (byte)'$' && i + 1 == p.Length)
            {
                item.Kind = Kind.End;
                i++;
                continue;
            }

            if (ch == (byte)'%' && i + 1 < p.Length)
            {
                var next = p[i + 1];
                if (next == (byte)'b')
                {
                    if (i + 3 >= p.Length)
                    {
                        item.Kind = Kind.Malformed;
                        break;
                    }

                    item.Kind = Kind.Balance;
                    i += 4;
                    continue;
                }

                if (next == (byte)'f')
                {
                    i += 2;
                    if (i >= p.Length || p[i] != (byte)'[')
                    {
                        item.Kind = Kind.Malformed;
                        break;
                    }

                    var end = ClassEnd(p, i);
                    if (end < 0)
                    {
                        item.Kind = Kind.Malformed;
                        break;
                    }

                    item.Kind = Kind.Frontier;
                    item.Cost = end - i;
                    i = end;
                    continue;
                }

                if (next is >= (byte)'0' and <= (byte)'9')
                {
                    item.Kind = Kind.BackReference;
                    postSafe = false;
                    i += 2;
                    continue;
                }
            }

            var classEnd = ClassEnd(p, i);
            if (classEnd < 0)
            {
                item.Kind = Kind.Malformed;
                break;
            }

            item.Kind = Kind.Single;
            item.IsDot = ch == (byte)'.';
            item.Cost = ch == (byte)'[' ? classEnd - i : 1;
            item.May = MaySet(p[i..classEnd]);
            i = classEnd;
            if (i < p.Length)
            {
                item.Quantifier = p[i] switch
                {
                    (byte)'?' => Quantifier.Optional,
                    (byte)'*' => Quantifier.Star,
                    (byte)'+' => Quantifier.Plus,
                    (byte)'-' => Quantifier.Lazy,
                    _ => Quantifier.None,
                };
                if (item.Quantifier != Quantifier.None)
                {
                    depth++;
                    i++;
                }
            }
        }

        postSafe &= open == 0 && captures <= MaxCaptures && depth < MaxPostChargedDepth && (count == 0 || items[count - 1].Kind != Kind.Malformed);
        return count;
    }

    /// <summary>The index just past the single-character class at <paramref name="i"/>, or -1 when it is malformed.</summary>
    private static int ClassEnd(ReadOnlySpan<byte> p, int i)
    {
        var c = p[i++];
        if (c == (byte)'%')
        {
            return i == p.Length ? -1 : i + 1;
        }

        if (c != (byte)'[')
        {
            return i;
        }

        if (i < p.Length && p[i] == (byte)'^')
        {
            i++;
        }

        do
        {
            if (i >= p.Length)
            {
                return -1;
            }

            if (p[i++] == (byte)'%' && i < p.Length)
            {
                i++;
            }
        }
        while (i >= p.Length || p[i] != (byte)']');

        return i + 1;
    }

    /// <summary>Every byte the class may match (for classes like <c>%a</c>, every byte from 128 up as well).</summary>
    private static Bits MaySet(ReadOnlySpan<byte> cls)
    {
        switch (cls[0])
        {
            case (byte)'.':
                return Bits.All;
            case (byte)'%':
                return EscapeSet(cls[1], may: true);
            case (byte)'[':
                return BracketSet(cls, may: true);
            default:
                return Bits.Of(cls[0]);
        }
    }

    /// <summary>A bracket class as <c>matchbracketclass</c> reads it; <paramref name="may"/> picks the over- or under-approximation.</summary>
    private static Bits BracketSet(ReadOnlySpan<byte> cls, bool may)
    {
        var end = cls.Length - 1; // the closing ']'
        var p = 0;
        var negate = cls.Length > 1 && cls[1] == (byte)'^';
        if (negate)
        {
            p++;
            may = !may;
        }

        var set = default(Bits);
        while (++p < end)
        {
            if (cls[p] == (byte)'%')
            {
                p++;
                set = set.Or(EscapeSet(cls[p], may));
            }
            else if (p + 2 < end && cls[p + 1] == (byte)'-')
            {
                set = set.Or(Bits.Range(cls[p], cls[p + 2]));
                p += 2;
            }
            else
            {
                set = set.With(cls[p]);
            }
        }

        return negate ? set.Not() : set;
    }

    private static Bits EscapeSet(byte cl, bool may)
    {
        var lower = (byte)(cl | 0x20);
        Bits ascii;
        switch (lower)
        {
            case (byte)'a': ascii = Bits.Range('A', 'Z').Or(Bits.Range('a', 'z')); break;
            case (byte)'c': ascii = Bits.Range(0, 31).With(127); break;
            case (byte)'d': ascii = Bits.Range('0', '9'); break;
            case (byte)'g': ascii = Bits.Range(33, 126); break;
            case (byte)'l': ascii = Bits.Range('a', 'z'); break;
            case (byte)'p': ascii = Bits.Range(33, 47).Or(Bits.Range(58, 64)).Or(Bits.Range(91, 96)).Or(Bits.Range(123, 126)); break;
            case (byte)'s': ascii = Bits.Range(9, 13).With(32); break;
            case (byte)'u': ascii = Bits.Range('A', 'Z'); break;
            case (byte)'w': ascii = Bits.Range('A', 'Z').Or(Bits.Range('a', 'z')).Or(Bits.Range('0', '9')); break;
            case (byte)'x': ascii = Bits.Range('0', '9').Or(Bits.Range('A', 'F')).Or(Bits.Range('a', 'f')); break;
            default: return Bits.Of(cl);
        }

        // Bytes from 128 up depend on the C locale: in the may-set of a class and of its complement alike.
        var high = Bits.Range(128, 255);
        if (cl != lower && char.IsAsciiLetterUpper((char)cl))
        {
            ascii = ascii.Not().And(Bits.Range(0, 127));
        }

        return may ? ascii.Or(high) : ascii;
    }

    /// <summary>As <c>nospecials</c> in <c>lstrlib.c</c>: none of <c>^$*+?.([%-</c> anywhere.</summary>
    private static bool NoSpecials(ReadOnlySpan<byte> p) => p.IndexOfAny(Specials) < 0;

    /// <summary>A set of bytes.</summary>
    private readonly record struct Bits(ulong W0, ulong W1, ulong W2, ulong W3)
    {
        public static Bits All => new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

        public static Bits Of(byte c) => default(Bits).With(c);

        public static Bits Range(int from, int to) =>
            from > to ? default : new(Word(from, to, 0), Word(from, to, 64), Word(from, to, 128), Word(from, to, 192));

        private static ulong Word(int from, int to, int low)
        {
            var lo = Math.Max(from, low) - low;
            var hi = Math.Min(to, low + 63) - low;
            return lo > hi ? 0 : (ulong.MaxValue >> (63 - hi)) & (ulong.MaxValue << lo);
        }

        public Bits With(byte c) => (c >> 6) switch
        {
            0 => this with { W0 = W0 | (1UL << (c & 63)) },
            1 => this with { W1 = W1 | (1UL << (c & 63)) },
            2 => this with { W2 = W2 | (1UL << (c & 63)) },
            _ => this with { W3 = W3 | (1UL << (c & 63)) },
        };

        public Bits Or(Bits o) => new(W0 | o.W0, W1 | o.W1, W2 | o.W2, W3 | o.W3);

        public Bits And(Bits o) => new(W0 & o.W0, W1 & o.W1, W2 & o.W2, W3 & o.W3);

        public Bits Not() => new(~W0, ~W1, ~W2, ~W3);

        public bool Intersects(Bits o) => ((W0 & o.W0) | (W1 & o.W1) | (W2 & o.W2) | (W3 & o.W3)) != 0;
    }
}
