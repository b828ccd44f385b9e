using System.Text;
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
                var d = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-10, 30));
                return JsonNode.Parse(CanonicalJson.FormatNumber(d) is var t && t.AsSpan().IndexOfAny('.', 'e') < 0 ? t + ".0" : CanonicalJson.FormatNumber(d));
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
        }
    }
}
