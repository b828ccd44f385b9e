using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;
using IssueCore.Scripting;

namespace IssueCore.Engine.Tests.Scripting;

public sealed class LuaJsonRoundTripTests
{
    private static JsonNode? RandomJson(Random rng, int depth)
    {
        var pick = depth >= 5 ? rng.Next(6) : rng.Next(8);
        switch (pick)
        {
            case 0:
                return null;
            case 1:
                return JsonValue.Create(rng.Next(2) == 0);
            case 2:
                return JsonValue.Create(rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64));
            case 3:
                return RandomNumber(rng);
            case 4:
            case 5:
                return JsonValue.Create(RandomString(rng));
            case 6:
                var arr = new JsonArray();
                for (var i = rng.Next(5); i > 0; i--)
                {
                    arr.Add(RandomJson(rng, depth + 1));
                }

                return arr;
            default:
                var obj = new JsonObject();
                for (var i = rng.Next(5); i > 0; i--)
                {
                    obj[RandomString(rng)] = RandomJson(rng, depth + 1);
                }

                return obj;
        }
    }

    /// <summary>Integers (from .NET values and from text) and floats, including floats with integral values written as <c>3.0</c>, <c>-0.0</c> or <c>1e2</c>.</summary>
    private static JsonNode RandomNumber(Random rng)
    {
        switch (rng.Next(6))
        {
            case 0:
                return JsonValue.Create(rng.Next(int.MinValue, int.MaxValue));
            case 1:
                return JsonNode.Parse((rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64)).ToString(CultureInfo.InvariantCulture))!;
            case 2:
                return JsonNode.Parse(rng.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture) + ".0")!;
            case 3:
                return JsonNode.Parse($"{rng.Next(-99, 100)}e{rng.Next(-5, 20)}")!;
            case 4:
                return JsonValue.Create((double)rng.Next(-1000, 1000));
            default:
                var d = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-10, 30));
                var t = CanonicalJson.FormatNumber(d);
                return JsonNode.Parse(t.AsSpan().IndexOfAny('.', 'e') < 0 ? t + ".0" : t)!;
        }
    }

    /// <summary>Structure, strings and booleans compare by their JSON text; numbers by kind (integer or float, as written) and exact value.</summary>
    private static void AssertSameJson(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                return;
            case JsonObject obj:
                var actualObject = Assert.IsType<JsonObject>(actual);
                Assert.Equal(obj.Count, actualObject.Count);
                foreach (var (key, value) in obj)
                {
                    Assert.True(actualObject.ContainsKey(key), $"{path}: missing member {key}");
                    AssertSameJson(value, actualObject[key], path + "." + key);
                }

                return;
            case JsonArray arr:
                var actualArray = Assert.IsType<JsonArray>(actual);
                Assert.Equal(arr.Count, actualArray.Count);
                for (var i = 0; i < arr.Count; i++)
                {
                    AssertSameJson(arr[i], actualArray[i], $"{path}[{i}]");
                }

                return;
            default:
                var value2 = Assert.IsAssignableFrom<JsonValue>(actual);
                Assert.Equal(expected.GetValueKind(), value2.GetValueKind());
                if (expected.GetValueKind() != JsonValueKind.Number)
                {
                    Assert.Equal(expected.ToJsonString(), value2.ToJsonString());
                    return;
                }

                var expectedValue = (JsonValue)expected;
                var expectedFloat = IsFloat(expectedValue);
                var message = $"{path}: {expected.ToJsonString()} came back as {value2.ToJsonString()}";
                Assert.True(expectedFloat == IsFloat(value2), message);
                if (expectedFloat)
                {
                    Assert.True(BitConverter.DoubleToInt64Bits(ToDouble(expectedValue)) == BitConverter.DoubleToInt64Bits(ToDouble(value2)), message);
                }
                else
                {
                    Assert.True(ToInt64(expectedValue) == ToInt64(value2), message);
                }

                return;
        }
    }

    /// <summary>A parsed number is a float when its text has a fraction or exponent; a .NET number when it is not an integer type.</summary>
    private static bool IsFloat(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element)
            ? element.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') >= 0
            : !value.TryGetValue<int>(out _) && !value.TryGetValue<long>(out _);

    private static double ToDouble(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element) ? element.GetDouble() : value.GetValue<double>();

    private static long ToInt64(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element) ? element.GetInt64() : value.TryGetValue<int>(out var i) ? i : value.GetValue<long>();

    private static string RandomString(Random rng)
    {
        var sb = new StringBuilder();
        for (var i = rng.Next(8); i > 0; i--)
        {
            switch (rng.Next(5))
            {
                case 0:
                    sb.Append((char)rng.Next(0, 0x20));
                    break;
                case 1:
                    sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x10FFFF)));
                    break;
                case 2:
                    sb.Append((char)rng.Next(0x80, 0xD7FF));
                    break;
                default:
                    sb.Append((char)rng.Next(0x20, 0x7F));
                    break;
            }
        }

        return sb.ToString();
    }

    [Fact]
    public async Task Ten_thousand_random_documents_round_trip_unchanged()
    {
        using var executor = new LuaScriptExecutor(new LuaScriptExecutorOptions { PoolSize = 1 });
        var rng = new Random(6902);
        for (var i = 0; i < 10_000; i++)
        {
            var doc = RandomJson(rng, 0);
            var result = await executor.ExecuteAsync(new ScriptInvocation { Name = "echo", Source = "return { ok = true, value = _CTX }", Input = doc });
            Assert.Equal(CanonicalJson.Serialize(doc), CanonicalJson.Serialize(result));
            Assert.True(JsonPatch.JsonEquals(doc, result));
            AssertSameJson(doc, result, "$");
        }
    }

    [Fact]
    public async Task Copying_through_lua_tables_keeps_kinds()
    {
        using var executor = new LuaScriptExecutor();
        const string Copy = """
            local function copy(v)
              if type(v) ~= 'table' then return v end
              local out = host.is_array(v) and host.array() or host.object()
              for k, x in pairs(v) do out[k] = copy(x) end
              return out
            end
            return { ok = true, value = copy(_CTX) }
            """;
        var rng = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var doc = RandomJson(rng, 0);
            var result = await executor.ExecuteAsync(new ScriptInvocation { Name = "copy", Source = Copy, Input = doc });
            Assert.Equal(CanonicalJson.Serialize(doc), CanonicalJson.Serialize(result));
            AssertSameJson(doc, result, "$");
        }
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.0", "1.0")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("1e2", "100.0")]
    [InlineData("[3.0,3,9007199254740993,-9223372036854775808]", "[3.0,3,9007199254740993,-9223372036854775808]")]
    public async Task Numbers_keep_their_kind_and_text(string input, string expected)
    {
        using var executor = new LuaScriptExecutor();
        var result = await executor.ExecuteAsync(new ScriptInvocation { Name = "echo", Source = "return { ok = true, value = _CTX }", Input = JsonNode.Parse(input) });
        Assert.Equal(expected, result?.ToJsonString());
    }
}
