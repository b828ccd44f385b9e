using System.Text;
using System.Text.Json.Nodes;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

/// <summary>
/// The pattern bound is only sound if it is never below the work the matcher really does. These tests run
/// random patterns through a step-counting port of the matcher in <c>lstrlib.c</c> (checked against the
/// real Lua results) and compare its steps with <see cref="LuaPatternCost.Estimate"/>.
/// </summary>
public sealed class LuaPatternCostTests
{
    private const double MaxCheckedSteps = 300_000;

    [Fact]
    public void The_bound_is_never_below_the_steps_the_matcher_takes()
    {
        var rng = new Random(5108);
        var checkedCases = 0;
        for (var i = 0; i < 150_000; i++)
        {
            var pattern = RandomPattern(rng);
            var subject = RandomSubject(rng);
            var operation = (LuaPatternCost.Operation)rng.Next(1, 5);
            var init = operation == LuaPatternCost.Operation.Gsub || rng.Next(3) > 0 ? 1 : rng.Next(-3, subject.Length + 3);
            var start = Start(init, subject.Length, operation);
            if (start is null)
            {
                continue;
            }

            var bound = LuaPatternCost.Estimate(Encoding.ASCII.GetBytes(pattern), subject.Length - start.Value + 1, operation, plain: false);
            if (bound.Worst > MaxCheckedSteps)
            {
                continue;
            }

            var matcher = new Matcher(subject, pattern);
            var (steps, end) = matcher.Run(operation, start.Value);
            var context = $"{operation} '{pattern}' on '{subject}' from {start}: {steps} steps, bound {bound}";
            Assert.True(steps <= bound.Worst, context);
            if (bound.Rate > 0 && !matcher.Raised)
            {
                var post = end is { } e ? (e - start.Value + 2) * bound.Rate : bound.FailCost;
                Assert.True(steps <= post, context + $", charged afterwards {post}");
            }

            checkedCases++;
        }

        Assert.True(checkedCases > 75_000, $"only {checkedCases} cases were small enough to check");
    }

    [Fact]
    public async Task The_step_counting_matcher_agrees_with_lua()
    {
        var rng = new Random(77);
        var cases = new JsonArray();
        var expected = new List<string>();
        while (cases.Count < 1500)
        {
            var pattern = RandomPattern(rng);
            var subject = RandomSubject(rng);
            var bound = LuaPatternCost.Estimate(Encoding.ASCII.GetBytes(pattern), subject.Length, LuaPatternCost.Operation.Find, plain: false);
            if (bound.Worst > MaxCheckedSteps)
            {
                continue;
            }

            var matcher = new Matcher(subject, pattern);
            var (_, end) = matcher.Run(LuaPatternCost.Operation.Find, 1);
            expected.Add(matcher.Raised ? "error" : end is null ? "nil" : $"{matcher.FoundAt}-{end}");
            cases.Add(new JsonArray(subject, pattern));
        }

        using var executor = new LuaScriptExecutor(new LuaScriptExecutorOptions { PoolSize = 1 });
        var result = await executor.ExecuteAsync(new ScriptInvocation
        {
            Name = "find",
            Source = """
                local out = host.array()
                for i, c in ipairs(_CTX) do
                  local ok, a, b = pcall(string.find, c[1], c[2])
                  out[i] = not ok and "error" or a == nil and "nil" or (a .. "-" .. b)
                end
                return { ok = true, value = out }
                """,
            Input = cases,
            Budget = new ScriptBudget { MaxInstructions = 10_000_000_000, Timeout = TimeSpan.FromMinutes(2) },
        });
        var actual = result!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actual[i], $"'{cases[i]![1]}' on '{cases[i]![0]}': Lua {actual[i]}, port {expected[i]}");
        }
    }

    [Fact]
    public void A_linear_shape_bounds_the_estimate_at_every_length()
    {
        var rng = new Random(31);
        var linear = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var pattern = Encoding.ASCII.GetBytes(RandomPattern(rng));
            var operation = (LuaPatternCost.Operation)rng.Next(1, 5);
            if (LuaPatternCost.Affine(pattern, operation) is not { } shape)
            {
                continue;
            }

            linear++;
            foreach (var n in new long[] { 0, 1, 2, 3, 7, 40, 1000, 123_457, 10_000_000 })
            {
                var worst = LuaPatternCost.Estimate(pattern, n, operation, plain: false).Worst;
                Assert.True(worst <= shape.Alpha + (shape.Beta * n), $"{operation} '{Encoding.ASCII.GetString(pattern)}' at {n}: {worst} > {shape}");
            }
        }

        Assert.True(linear > 1000, $"only {linear} linear patterns");
    }

    [Theory]
    [InlineData("%s+", 100_000, 4, 3_000_000)]
    [InlineData("[^,]+", 100_000, 3, 5_000_000)]
    [InlineData("\"([^\"]*)\"", 100_000, 3, 20_000_000)]
    [InlineData("^%d+$", 100_000, 2, 1_000_000)]
    [InlineData("abc", 100_000, 2, 1_000_000)]
    public void Common_linear_patterns_have_linear_bounds(string pattern, long length, int operation, double most)
    {
        var bound = LuaPatternCost.Estimate(Encoding.ASCII.GetBytes(pattern), length, (LuaPatternCost.Operation)operation, plain: false);
        Assert.True(bound.Worst <= most, $"{bound}");
    }

    private static int? Start(int init, int length, LuaPatternCost.Operation operation)
    {
        var start = init > 0 ? init : init == 0 || init < -length ? 1 : length + init + 1;
        if (start > length + 1)
        {
            return operation == LuaPatternCost.Operation.Gmatch ? length + 1 : null;
        }

        return start;
    }

    private static readonly string[] Classes = ["a", "b", "c", ".", "%a", "%d", "%s", "[ab]", "[^a]", "[a-c]", "%(", "[%a%d]", "(", ")"];

    private static string RandomPattern(Random rng)
    {
        var sb = new StringBuilder();
        if (rng.Next(4) == 0)
        {
            sb.Append('^');
        }

        var open = 0;
        var closed = 0;
        for (var i = rng.Next(1, 7); i > 0; i--)
        {
            switch (rng.Next(12))
            {
                case 0:
                    sb.Append('(');
                    open++;
                    break;
                case 1 when open > 0:
                    sb.Append(')');
                    open--;
                    closed++;
                    break;
                case 2:
                    sb.Append("()");
                    break;
                case 3:
                    sb.Append(rng.Next(2) == 0 ? "%b()" : "%f[%a]");
                    break;
                case 4 when closed > 0:
                    sb.Append("%1");
                    break;
                default:
                    sb.Append(Classes[rng.Next(Classes.Length)]);
                    if (rng.Next(2) == 0)
                    {
                        sb.Append("*+-?"[rng.Next(4)]);
                    }

                    break;
            }
        }

        while (open-- > 0 && rng.Next(4) > 0)
        {
            sb.Append(')');
        }

        if (rng.Next(4) == 0)
        {
            sb.Append('$');
        }

        return sb.ToString();
    }

    private static string RandomSubject(Random rng)
    {
        const string Alphabet = "aaabbc() 1";
        var sb = new StringBuilder();
        for (var i = rng.Next(0, 40); i > 0; i--)
        {
            sb.Append(Alphabet[rng.Next(Alphabet.Length)]);
        }

        return sb.ToString();
    }

    /// <summary>A port of <c>match()</c> and its helpers from Lua 5.4's <c>lstrlib.c</c> that counts steps as the bound does.</summary>
    private sealed class Matcher(string subject, string pattern)
    {
        private const int CapUnfinished = -1;
        private const int CapPosition = -2;
        private static readonly System.Buffers.SearchValues<byte> Specials = System.Buffers.SearchValues.Create("^$*+?.([%-"u8);
        private readonly byte[] _s = Encoding.ASCII.GetBytes(subject);
        private readonly byte[] _p = Encoding.ASCII.GetBytes(pattern);
        private readonly (int Init, int Len)[] _capture = new (int, int)[32];
        private int _level;
        private int _depth;
        private long _steps;

        public bool Raised { get; private set; }

        public int FoundAt { get; private set; }

        /// <summary>Runs the operation from a 1-based start; returns the steps and, for find and match, the 1-based end of the match.</summary>
        public (long Steps, int? End) Run(LuaPatternCost.Operation operation, int start)
        {
            try
            {
                return operation switch
                {
                    LuaPatternCost.Operation.Find when _p.AsSpan().IndexOfAny(Specials) < 0 => (_steps, PlainFind(start - 1)),
                    LuaPatternCost.Operation.Find or LuaPatternCost.Operation.Match => (_steps, Find(start - 1)),
                    LuaPatternCost.Operation.Gmatch => Iterate(start - 1, anchor: false),
                    _ => Iterate(0, anchor: _p.Length > 0 && _p[0] == (byte)'^'),
                };
            }
            catch (InvalidOperationException)
            {
                Raised = true;
                return (_steps, null);
            }
        }

        /// <summary>lmemfind: one step per position looked at, and one per 16 bytes compared where the first byte matches.</summary>
        private int? PlainFind(int s1)
        {
            if (_p.Length == 0)
            {
                FoundAt = s1 + 1;
                return s1;
            }

            for (var s = s1; s + _p.Length <= _s.Length; s++)
            {
                _steps++;
                if (_s[s] == _p[0])
                {
                    _steps += _p.Length / 16;
                    if (_s.AsSpan(s, _p.Length).SequenceEqual(_p))
                    {
                        FoundAt = s + 1;
                        return s + _p.Length;
                    }
                }
            }

            return null;
        }

        private int? Find(int s1)
        {
            var anchor = _p.Length > 0 && _p[0] == (byte)'^';
            var p0 = anchor ? 1 : 0;
            do
            {
                _level = 0;
                _depth = 200;
                var e = Match(s1, p0);
                if (e != -1)
                {
                    // push_captures: a capture still open is an error.
                    for (var i = 0; i < _level; i++)
                    {
                        if (_capture[i].Len == CapUnfinished)
                        {
                            throw new InvalidOperationException("unfinished capture");
                        }
                    }

                    FoundAt = s1 + 1;
                    return e;
                }
            }
            while (s1++ < _s.Length && !anchor);
            return null;
        }

        private (long, int?) Iterate(int src, bool anchor)
        {
            var p0 = anchor ? 1 : 0;
            var last = -1;
            while (true)
            {
                _level = 0;
                _depth = 200;
                var e = Match(src, p0);
                if (e != -1 && e != last)
                {
                    src = last = e;
                }
                else if (src < _s.Length)
                {
                    src++;
                }
                else
                {
                    break;
                }

                if (anchor)
                {
                    break;
                }
            }

            return (_steps, null);
        }

        private int Match(int s, int p)
        {
            _steps++;
            if (_depth-- == 0)
            {
                throw new InvalidOperationException("pattern too complex");
            }

            try
            {
                while (true)
                {
                    if (p == _p.Length)
                    {
                        return s;
                    }

                    switch (_p[p])
                    {
                        case (byte)'(':
                            return p + 1 < _p.Length && _p[p + 1] == (byte)')' ? StartCapture(s, p + 2, CapPosition) : StartCapture(s, p + 1, CapUnfinished);
                        case (byte)')':
                            return EndCapture(s, p + 1);
                        case (byte)'$' when p + 1 == _p.Length:
                            return s == _s.Length ? s : -1;
                        case (byte)'%' when p + 1 < _p.Length && _p[p + 1] == (byte)'b':
                            s = MatchBalance(s, p + 2);
                            if (s == -1)
                            {
                                return -1;
                            }

                            p += 4;
                            continue;
                        case (byte)'%' when p + 1 < _p.Length && _p[p + 1] == (byte)'f':
                        {
                            p += 2;
                            if (p >= _p.Length || _p[p] != (byte)'[')
                            {
                                throw new InvalidOperationException("missing '['");
                            }

                            var ep = ClassEnd(p);
                            var previous = s == 0 ? 0 : _s[s - 1];
                            var current = s < _s.Length ? _s[s] : 0;
                            if (!BracketClass(previous, p, ep - 1) && BracketClass(current, p, ep - 1))
                            {
                                p = ep;
                                continue;
                            }

                            return -1;
                        }

                        case (byte)'%' when p + 1 < _p.Length && _p[p + 1] is >= (byte)'0' and <= (byte)'9':
                            s = MatchCapture(s, _p[p + 1]);
                            if (s == -1)
                            {
                                return -1;
                            }

                            p += 2;
                            continue;
                        default:
                        {
                            var ep = ClassEnd(p);
                            var q = ep < _p.Length ? _p[ep] : 0;
                            if (!SingleMatch(s, p, ep))
                            {
                                if (q is (byte)'*' or (byte)'?' or (byte)'-')
                                {
                                    p = ep + 1;
                                    continue;
                                }

                                return -1;
                            }

                            switch (q)
                            {
                                case (byte)'?':
                                    var res = Match(s + 1, ep + 1);
                                    if (res != -1)
                                    {
                                        return res;
                                    }

                                    p = ep + 1;
                                    continue;
                                case (byte)'+':
                                    return MaxExpand(s + 1, p, ep);
                                case (byte)'*':
                                    return MaxExpand(s, p, ep);
                                case (byte)'-':
                                    return MinExpand(s, p, ep);
                                default:
                                    s++;
                                    p = ep;
                                    continue;
                            }
                        }
                    }
                }
            }
            finally
            {
                _depth++;
            }
        }

        private int MaxExpand(int s, int p, int ep)
        {
            var i = 0;
            while (SingleMatch(s + i, p, ep))
            {
                i++;
            }

            while (i >= 0)
            {
                var res = Match(s + i, ep + 1);
                if (res != -1)
                {
                    return res;
                }

                i--;
            }

            return -1;
        }

        private int MinExpand(int s, int p, int ep)
        {
            while (true)
            {
                var res = Match(s, ep + 1);
                if (res != -1)
                {
                    return res;
                }

                if (!SingleMatch(s, p, ep))
                {
                    return -1;
                }

                s++;
            }
        }

        private int StartCapture(int s, int p, int what)
        {
            if (_level >= 32)
            {
                throw new InvalidOperationException("too many captures");
            }

            _capture[_level] = (s, what);
            _level++;
            var res = Match(s, p);
            if (res == -1)
            {
                _level--;
            }

            return res;
        }

        private int EndCapture(int s, int p)
        {
            var l = -1;
            for (var i = _level - 1; i >= 0; i--)
            {
                if (_capture[i].Len == CapUnfinished)
                {
                    l = i;
                    break;
                }
            }

            if (l < 0)
            {
                throw new InvalidOperationException("invalid pattern capture");
            }

            _capture[l].Len = s - _capture[l].Init;
            var res = Match(s, p);
            if (res == -1)
            {
                _capture[l].Len = CapUnfinished;
            }

            return res;
        }

        private int MatchBalance(int s, int p)
        {
            if (p >= _p.Length - 1)
            {
                throw new InvalidOperationException("missing arguments to '%b'");
            }

            _steps++;
            if (s >= _s.Length || _s[s] != _p[p])
            {
                return -1;
            }

            var cont = 1;
            while (++s < _s.Length)
            {
                _steps++;
                if (_s[s] == _p[p + 1])
                {
                    if (--cont == 0)
                    {
                        return s + 1;
                    }
                }
                else if (_s[s] == _p[p])
                {
                    cont++;
                }
            }

            return -1;
        }

        private int MatchCapture(int s, byte l)
        {
            var index = l - '1';
            if (index < 0 || index >= _level || _capture[index].Len == CapUnfinished)
            {
                throw new InvalidOperationException("invalid capture index");
            }

            // A position capture has a negative length: as an unsigned size it never fits.
            var len = _capture[index].Len;
            _steps += Math.Max(len, 0) + 1;
            if (len >= 0 && _s.Length - s >= len && _s.AsSpan(_capture[index].Init, len).SequenceEqual(_s.AsSpan(s, len)))
            {
                return s + len;
            }

            return -1;
        }

        private int ClassEnd(int p)
        {
            if (_p[p++] == (byte)'%')
            {
                if (p == _p.Length)
                {
                    throw new InvalidOperationException("ends with '%'");
                }

                return p + 1;
            }

            if (_p[p - 1] == (byte)'[')
            {
                if (p < _p.Length && _p[p] == (byte)'^')
                {
                    p++;
                }

                do
                {
                    if (p >= _p.Length)
                    {
                        throw new InvalidOperationException("missing ']'");
                    }

                    if (_p[p++] == (byte)'%' && p < _p.Length)
                    {
                        p++;
                    }
                }
                while (p >= _p.Length || _p[p] != (byte)']');

                return p + 1;
            }

            return p;
        }

        private bool SingleMatch(int s, int p, int ep)
        {
            _steps++;
            if (s >= _s.Length)
            {
                return false;
            }

            int c = _s[s];
            return _p[p] switch
            {
                (byte)'.' => true,
                (byte)'%' => MatchClass(c, _p[p + 1]),
                (byte)'[' => BracketClass(c, p, ep - 1),
                _ => _p[p] == c,
            };
        }

        private bool BracketClass(int c, int p, int ec)
        {
            var sig = true;
            if (_p[p + 1] == (byte)'^')
            {
                sig = false;
                p++;
            }

            while (++p < ec)
            {
                _steps++;
                if (_p[p] == (byte)'%')
                {
                    p++;
                    if (MatchClass(c, _p[p]))
                    {
                        return sig;
                    }
                }
                else if (_p[p + 1] == (byte)'-' && p + 2 < ec)
                {
                    p += 2;
                    if (_p[p - 2] <= c && c <= _p[p])
                    {
                        return sig;
                    }
                }
                else if (_p[p] == c)
                {
                    return sig;
                }
            }

            return !sig;
        }

        private static bool MatchClass(int c, byte cl)
        {
            var ch = (char)c;
            bool res;
            switch ((char)(cl | 0x20))
            {
                case 'a': res = char.IsAsciiLetter(ch); break;
                case 'c': res = c < 32 || c == 127; break;
                case 'd': res = char.IsAsciiDigit(ch); break;
                case 'g': res = c is > 32 and < 127; break;
                case 'l': res = char.IsAsciiLetterLower(ch); break;
                case 'p': res = c is > 32 and < 127 && !char.IsAsciiLetterOrDigit(ch); break;
                case 's': res = c == ' ' || c is >= 9 and <= 13; break;
                case 'u': res = char.IsAsciiLetterUpper(ch); break;
                case 'w': res = char.IsAsciiLetterOrDigit(ch); break;
                case 'x': res = char.IsAsciiHexDigit(ch); break;
                default: return cl == c;
            }

            return char.IsAsciiLetterUpper((char)cl) ? !res : res;
        }
    }
}
