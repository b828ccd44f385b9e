using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Blueprints;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows.Expressions;

/// <summary>Seeded random expression trees over random JSON contexts: the engine agrees with <see cref="ReferenceEvaluator"/>.</summary>
public sealed class ExpressionPropertyTests
{
    private const int TreesPerSeed = 150;

    private static readonly string[] Present = ["$.a", "$.b", "$.c", "$.d", "$.e", "$.f", "$.arr", "$.arr[0]", "$.arr[1]", "$.obj", "$.obj.x", "$.obj.y", "$.s"];
    private static readonly string[] Missing = ["$.zz", "$.obj.zz", "$.arr[9]", "$.s.x", "$.a.b.c"];

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 24)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Engine_evaluation_matches_the_reference_evaluator(int seed)
    {
        var rng = new Random(seed);
        var accepted = 0;
        var failures = 0;
        for (var t = 0; t < TreesPerSeed; t++)
        {
            var ctx = RandomContext(rng);
            var expr = RandomExpr(rng, Want.Any, 0);
            var exprText = expr.ToJsonString();
            var plan = TryParse(exprText);
            var (expected, expectedError) = ReferenceEvaluator.Evaluate(Element(exprText), Element(ctx.ToJsonString()));
            if (plan is null)
            {
                // Validation refuses only what could never succeed, unless 'and'/'or' would have skipped the bad operand.
                Assert.True(expectedError is not null || exprText.Contains("\"and\"", StringComparison.Ordinal) || exprText.Contains("\"or\"", StringComparison.Ordinal), $"seed {seed}: validation refused {exprText}, which evaluates over {ctx.ToJsonString()}");
                continue;
            }

            accepted++;
            string? actualError = null;
            JsonNode? actual = null;
            try
            {
                actual = plan.Evaluate(ctx);
            }
            catch (FlowFaultException fault)
            {
                actualError = fault.Kind;
                failures++;
            }

            var context = $"seed {seed}, tree {t}: {exprText} over {ctx.ToJsonString()}";
            Assert.True(expectedError == actualError, $"{context}: reference error {expectedError ?? "none"}, engine error {actualError ?? "none"}");
            if (expectedError is null)
            {
                var engineValue = Element(actual?.ToJsonString() ?? "null");
                Assert.True(ReferenceEvaluator.Same(expected!.Value, engineValue), $"{context}: reference {expected.Value.GetRawText()}, engine {engineValue.GetRawText()}");
            }
        }

        // The generator must exercise both paths, or the property checks little.
        Assert.True(accepted >= TreesPerSeed / 2, $"only {accepted} of {TreesPerSeed} trees passed validation");
        Assert.True(failures < accepted, "every accepted tree failed at run time");
    }

    [Fact]
    public void Generated_trees_use_every_operator()
    {
        var rng = new Random(7);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var t = 0; t < 2000; t++)
        {
            foreach (var op in Ops(RandomExpr(rng, Want.Any, 0)))
            {
                seen.Add(op);
            }
        }

        Assert.Equal(Selector.Ops.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Ops(JsonNode expr)
    {
        yield return (string)expr["op"]!;
        if (expr["args"] is JsonArray args)
        {
            foreach (var op in args.SelectMany(a => Ops(a!)))
            {
                yield return op;
            }
        }
    }

    private static Selector? TryParse(string exprText)
    {
        var blueprint = Blueprint.Parse("""{"id":"prop","flow":{"kind":"assign","at":"$.result","value":""" + exprText + "}}");
        try
        {
            return ((AssignNode)FlowValidator.Parse(blueprint, new HashSet<string>()).Root).Value;
        }
        catch (ValidationException)
        {
            return null;
        }
    }

    private static JsonElement Element(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private enum Want
    {
        Any,
        Boolean,
        Number,
        String,
        Collection,
    }

    private static JsonNode RandomExpr(Random rng, Want want, int depth)
    {
        if (depth >= 4 || rng.Next(3) == 0)
        {
            return Leaf(rng, want);
        }

        var op = want switch
        {
            Want.Boolean => Pick(rng, "eq", "ne", "lt", "le", "gt", "ge", "not", "and", "or", "in", "exists"),
            Want.Number => Pick(rng, "add", "sub", "mul", "div", "len"),
            Want.String or Want.Collection => null,
            _ => Pick(rng, "eq", "ne", "lt", "le", "gt", "ge", "not", "and", "or", "in", "exists", "add", "sub", "mul", "div", "len"),
        };
        if (op is null)
        {
            return Leaf(rng, want);
        }

        if (op == "exists")
        {
            return new JsonObject { ["op"] = "exists", ["at"] = RandomPath(rng) };
        }

        var args = op switch
        {
            "eq" or "ne" => [RandomExpr(rng, Want.Any, depth + 1), RandomExpr(rng, Want.Any, depth + 1)],
            "lt" or "le" or "gt" or "ge" => rng.Next(2) == 0
                ? new[] { RandomExpr(rng, Want.Number, depth + 1), RandomExpr(rng, Want.Number, depth + 1) }
                : [RandomExpr(rng, Want.String, depth + 1), RandomExpr(rng, Want.String, depth + 1)],
            "not" => [RandomExpr(rng, Want.Boolean, depth + 1)],
            "and" or "or" => Enumerable.Range(0, 2 + rng.Next(2)).Select(_ => RandomExpr(rng, Want.Boolean, depth + 1)).ToArray(),
            "len" => [RandomExpr(rng, rng.Next(2) == 0 ? Want.String : Want.Collection, depth + 1)],
            "in" => rng.Next(3) switch
            {
                0 => [RandomExpr(rng, Want.Any, depth + 1), RandomExpr(rng, Want.Collection, depth + 1)],
                1 => [RandomExpr(rng, Want.String, depth + 1), RandomExpr(rng, Want.String, depth + 1)],
                _ => [RandomExpr(rng, Want.String, depth + 1), new JsonObject { ["op"] = "path", ["at"] = "$.obj" }],
            },
            _ => [RandomExpr(rng, Want.Number, depth + 1), RandomExpr(rng, Want.Number, depth + 1)],
        };
        return new JsonObject { ["op"] = op, ["args"] = new JsonArray(args) };
    }

    private static JsonNode Leaf(Random rng, Want want)
    {
        if (rng.Next(3) == 0)
        {
            return new JsonObject { ["op"] = "path", ["at"] = RandomPath(rng) };
        }

        // Now and then a constant of the wrong type, so validation and run-time type errors are exercised too.
        var actual = rng.Next(12) == 0 ? Want.Any : want;
        var value = actual switch
        {
            Want.Boolean => JsonValue.Create(rng.Next(2) == 0),
            Want.Number => RandomNumber(rng),
            Want.String => RandomString(rng),
            Want.Collection => rng.Next(2) == 0 ? RandomArray(rng, 0) : RandomObject(rng, 0),
            _ => RandomValue(rng, 1),
        };
        return new JsonObject { ["op"] = "const", ["value"] = value };
    }

    private static string RandomPath(Random rng) => rng.Next(4) == 0 ? Pick(rng, Missing) : Pick(rng, Present);

    private static JsonObject RandomContext(Random rng)
    {
        var ctx = new JsonObject();
        foreach (var key in new[] { "a", "b", "c", "d", "e", "f" })
        {
            ctx[key] = RandomValue(rng, 1);
        }

        ctx["arr"] = new JsonArray(RandomValue(rng, 2), RandomValue(rng, 2), RandomNumber(rng));
        ctx["obj"] = new JsonObject { ["x"] = RandomNumber(rng), ["y"] = RandomString(rng) };
        ctx["s"] = RandomString(rng);
        return ctx;
    }

    private static JsonNode? RandomValue(Random rng, int depth) => rng.Next(depth >= 2 ? 5 : 7) switch
    {
        0 => null,
        1 => JsonValue.Create(rng.Next(2) == 0),
        2 => RandomNumber(rng),
        3 or 4 => RandomString(rng),
        5 => RandomArray(rng, depth + 1),
        _ => RandomObject(rng, depth + 1),
    };

    private static JsonNode RandomNumber(Random rng) => rng.Next(4) switch
    {
        0 => JsonValue.Create(rng.Next(-3, 4) + 0.5),
        1 => JsonValue.Create(0),
        2 => JsonNode.Parse(rng.Next(-5, 6).ToString(CultureInfo.InvariantCulture) + ".0")!,
        _ => JsonValue.Create(rng.Next(-5, 6)),
    };

    private static JsonNode RandomString(Random rng) => JsonValue.Create(Pick(rng, "", "a", "b", "ab", "ba", "x", "é", "😀a", "A"));

    private static JsonArray RandomArray(Random rng, int depth)
        => new([.. Enumerable.Range(0, rng.Next(4)).Select(_ => RandomValue(rng, depth + 1))]);

    private static JsonObject RandomObject(Random rng, int depth)
    {
        var obj = new JsonObject();
        foreach (var key in new[] { "x", "y", "a" }.Take(rng.Next(4)))
        {
            obj[key] = RandomValue(rng, depth + 1);
        }

        return obj;
    }

    private static T Pick<T>(Random rng, params T[] items) => items[rng.Next(items.Length)];
}
