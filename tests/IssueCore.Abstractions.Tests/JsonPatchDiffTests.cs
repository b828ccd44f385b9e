using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Abstractions.Tests;

public sealed class JsonPatchDiffTests
{
    public static TheoryData<string, string> Corpus => new()
    {
        { "{}", "{}" },
        { "1", "2" },
        { "1", "1.0" },
        { "null", "{\"a\":1}" },
        { "{\"a\":1}", "[1]" },
        { "\"text\"", "\"other\"" },
        { "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}" },
        { "{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":3}" },
        { "{\"a\":{\"b\":{\"c\":[1,2,3]}}}", "{\"a\":{\"b\":{\"c\":[1,2,3,4],\"d\":null}}}" },
        { "{\"a\":{\"b\":{\"c\":[1,2,3]}}}", "{\"a\":{\"b\":{}}}" },
        { "[]", "[1,2,3]" },
        { "[1,2,3]", "[]" },
        { "[1,2,3]", "[1,3]" },
        { "[1,2,3]", "[0,1,2,3]" },
        { "[1,2,3]", "[1,2,3,4,5]" },
        { "[1,2,3,4,5]", "[1,9,5]" },
        { "[1,2,3]", "[3,2,1]" },
        { "[[1,[2]],{\"x\":[]}]", "[[1,[2,3]],{\"x\":[{}]},[]]" },
        { "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]", "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"c\"},{\"id\":3}]" },
        { "{\"a/b\":1,\"c~d\":2,\"~1\":3,\"/\":4}", "{\"a/b\":2,\"~1\":[3],\"e/~f\":5,\"\":6}" },
        { "{\"x\":{\"a/b\":{\"c~d\":[1]}}}", "{\"x\":{\"a/b\":{\"c~d\":[1,2],\"~\":true}}}" },
        { "{\"\":{\"\":1}}", "{\"\":{\"\":2}}" },
        { "{\"s\":\"\\u00e9\\ud83d\\ude00\"}", "{\"s\":\"\\u00e9\"}" },
        { "[true,false,null]", "[false,true,null,null]" },
        {
            "{\"id\":\"bp\",\"flow\":{\"kind\":\"seq\",\"children\":[{\"kind\":\"step\",\"ref\":\"a\"}]},\"agents\":{\"a\":{\"kind\":\"lua\",\"spec\":{\"source\":\"return {ok=true}\"}}},\"metadata\":{\"version_label\":\"1.0.0\"}}",
            "{\"id\":\"bp\",\"flow\":{\"kind\":\"seq\",\"children\":[{\"kind\":\"step\",\"ref\":\"a\"},{\"kind\":\"step\",\"ref\":\"b\"}]},\"agents\":{\"a\":{\"kind\":\"lua\",\"spec\":{\"source\":\"return {ok=true}\"}},\"b\":{\"kind\":\"host\"}},\"metadata\":{\"version_label\":\"1.1.0\"}}"
        },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Applying_the_diff_to_the_source_gives_the_target(string from, string to)
    {
        using var f = JsonDocument.Parse(from);
        using var t = JsonDocument.Parse(to);

        var patch = JsonPatch.Diff(f.RootElement, t.RootElement);

        Assert.Empty(JsonPatch.Validate(patch));
        var result = JsonPatch.Apply(JsonNode.Parse(from), patch);
        Assert.True(JsonPatch.JsonEquals(result, JsonNode.Parse(to)), $"diff {patch.ToJsonString()} gave {result?.ToJsonString() ?? "null"}");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Diff_and_apply_also_round_trip_in_the_other_direction(string from, string to)
    {
        using var f = JsonDocument.Parse(to);
        using var t = JsonDocument.Parse(from);

        var result = JsonPatch.Apply(JsonNode.Parse(to), JsonPatch.Diff(f.RootElement, t.RootElement));

        Assert.True(JsonPatch.JsonEquals(result, JsonNode.Parse(from)));
    }

    [Fact]
    public void Equal_documents_give_the_empty_patch()
    {
        using var a = JsonDocument.Parse("{\"a\":[1,{\"b\":2.0}],\"c\":null}");
        using var b = JsonDocument.Parse("{\"c\":null,\"a\":[1,{\"b\":2}]}");

        Assert.Empty(JsonPatch.Diff(a.RootElement, b.RootElement));
    }

    [Fact]
    public void Member_names_with_tilde_and_slash_are_escaped_in_the_pointer()
    {
        using var a = JsonDocument.Parse("{\"a/b~c\":1}");
        using var b = JsonDocument.Parse("{\"a/b~c\":2}");

        var op = Assert.Single(JsonPatch.Diff(a.RootElement, b.RootElement))!;

        Assert.Equal("replace", (string?)op["op"]);
        Assert.Equal("/a~1b~0c", (string?)op["path"]);
    }

    [Fact]
    public void A_changed_array_element_is_one_operation_at_its_index()
    {
        using var a = JsonDocument.Parse("{\"items\":[1,2,3,4]}");
        using var b = JsonDocument.Parse("{\"items\":[1,2,7,4]}");

        var op = Assert.Single(JsonPatch.Diff(a.RootElement, b.RootElement))!;

        Assert.Equal("/items/2", (string?)op["path"]);
        Assert.Equal(7, (int?)op["value"]);
    }

    [Fact]
    public void A_generated_corpus_of_random_edits_round_trips()
    {
        // A fixed seed: the same documents on every run, so a failure can be reproduced.
        var random = new Random(19);
        for (var round = 0; round < 300; round++)
        {
            var from = RandomValue(random, 4);
            var to = Mutate(random, from?.DeepClone(), 4);
            using var f = JsonDocument.Parse(from?.ToJsonString() ?? "null");
            using var t = JsonDocument.Parse(to?.ToJsonString() ?? "null");

            var patch = JsonPatch.Diff(f.RootElement, t.RootElement);
            var result = JsonPatch.Apply(from, patch);

            Assert.True(JsonPatch.JsonEquals(result, to), $"round {round}: diff {patch.ToJsonString()} of {from?.ToJsonString()} gave {result?.ToJsonString()}, expected {to?.ToJsonString()}");
        }
    }

    [Fact]
    public void A_document_at_the_depth_limit_is_diffed_and_one_beyond_it_is_refused()
    {
        var within = new string('[', JsonLimits.MaxDocumentDepth) + new string(']', JsonLimits.MaxDocumentDepth);
        var beyond = "[" + within + "]";
        var options = new JsonDocumentOptions { MaxDepth = JsonLimits.MaxDocumentDepth + 8 };
        using var ok = JsonDocument.Parse(within, options);
        using var deep = JsonDocument.Parse(beyond, options);
        using var small = JsonDocument.Parse("[]");

        Assert.Single(JsonPatch.Diff(small.RootElement, ok.RootElement));
        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Diff(small.RootElement, deep.RootElement));
        Assert.Equal("to", ex.Path);
        ex = Assert.Throws<ValidationException>(() => JsonPatch.Diff(deep.RootElement, small.RootElement));
        Assert.Equal("from", ex.Path);
    }

    [Fact]
    public void An_undefined_element_is_a_validation_error()
    {
        using var doc = JsonDocument.Parse("{}");

        var ex = Assert.Throws<ValidationException>(() => JsonPatch.Diff(default, doc.RootElement));

        Assert.Equal("from", ex.Path);
    }

    private static readonly string[] Names = ["a", "b", "a/b", "c~d", "~1", "", "é"];

    private static JsonNode? RandomValue(Random random, int depth)
    {
        var kind = depth <= 0 ? random.Next(4) : random.Next(6);
        switch (kind)
        {
            case 0: return null;
            case 1: return JsonValue.Create(random.Next(5));
            case 2: return JsonValue.Create(Names[random.Next(Names.Length)]);
            case 3: return JsonValue.Create(random.Next(2) == 0);
            case 4:
                var arr = new JsonArray();
                for (var i = random.Next(5); i > 0; i--)
                {
                    arr.Add(RandomValue(random, depth - 1));
                }

                return arr;
            default:
                var obj = new JsonObject();
                for (var i = random.Next(5); i > 0; i--)
                {
                    obj[Names[random.Next(Names.Length)]] = RandomValue(random, depth - 1);
                }

                return obj;
        }
    }

    private static JsonNode? Mutate(Random random, JsonNode? node, int depth)
    {
        switch (node)
        {
            case JsonArray arr when random.Next(3) > 0:
                switch (random.Next(4))
                {
                    case 0 when arr.Count > 0: arr.RemoveAt(random.Next(arr.Count)); break;
                    case 1: arr.Insert(random.Next(arr.Count + 1), RandomValue(random, depth - 1)); break;
                    case 2 when arr.Count > 0:
                        var i = random.Next(arr.Count);
                        var child = arr[i];
                        arr.RemoveAt(i);
                        arr.Insert(i, Mutate(random, child?.DeepClone(), depth - 1));
                        break;
                    default: arr.Add(RandomValue(random, depth - 1)); break;
                }

                return arr;
            case JsonObject obj when random.Next(3) > 0:
                var name = Names[random.Next(Names.Length)];
                if (obj.TryGetPropertyValue(name, out var member) && random.Next(2) == 0)
                {
                    obj[name] = Mutate(random, member?.DeepClone(), depth - 1);
                }
                else if (!obj.Remove(name))
                {
                    obj[name] = RandomValue(random, depth - 1);
                }

                return obj;
            default:
                return RandomValue(random, depth);
        }
    }
}
