using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;

namespace IssueCore.Abstractions.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Rfc8785_section_3_2_2_example_is_reproduced()
    {
        // RFC 8785 §3.2.2 input (with the \u escapes it uses) and its canonical output.
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        const string expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

        Assert.Equal(expected, CanonicalJson.Canonicalize(input));
    }

    [Fact]
    public void Rfc8785_section_3_2_3_sorts_members_by_utf16_code_units()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;
        var canonical = CanonicalJson.Canonicalize(input);
        var values = JsonNode.Parse(canonical)!.AsObject().Select(p => p.Value!.GetValue<string>()).ToArray();

        Assert.Equal(
            ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"],
            values);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("5e-324", "5e-324")]
    [InlineData("-5e-324", "-5e-324")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1e-7")]
    [InlineData("123.456", "123.456")]
    [InlineData("1.5e-10", "1.5e-10")]
    [InlineData("9007199254740993", "9007199254740992")]
    [InlineData("295147905179352830000", "295147905179352830000")]
    [InlineData("-1.25", "-1.25")]
    [InlineData("100", "100")]
    public void Numbers_are_formatted_as_ecmascript_does(string input, string expected)
        => Assert.Equal(expected, CanonicalJson.Canonicalize(input));

    // RFC 8785 Appendix B: IEEE-754 bit patterns and the ES6 Number.prototype.toString form each must take.
    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void Rfc8785_appendix_b_numbers_are_serialized_as_listed(string ieee754Hex, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(long.Parse(ieee754Hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, CanonicalJson.FormatNumber(value));
        Assert.Equal(expected, CanonicalJson.Serialize(JsonValue.Create(value)));
        Assert.Equal(expected, CanonicalJson.Canonicalize(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
    }

    // RFC 8785 Appendix B: NaN and Infinity have no JSON form.
    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("7ff0000000000000")]
    [InlineData("fff0000000000000")]
    public void Rfc8785_appendix_b_nan_and_infinity_are_a_validation_error(string ieee754Hex)
    {
        var value = BitConverter.Int64BitsToDouble(long.Parse(ieee754Hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Throws<ValidationException>(() => CanonicalJson.FormatNumber(value));
    }

    [Fact]
    public void Control_characters_use_short_escapes_or_lowercase_unicode_escapes()
        => Assert.Equal("\"\\b\\t\\n\\f\\r\\u0000\\u001f\\u007f\"".Replace("\\u007f", "\u007f", StringComparison.Ordinal), CanonicalJson.Serialize(JsonValue.Create("\b\t\n\f\r\u0000\u001f\u007f")));

    [Fact]
    public void Non_ascii_and_surrogate_pairs_are_written_literally()
        => Assert.Equal("\"é😀\u2028\"", CanonicalJson.Canonicalize("\"\\u00e9\\ud83d\\ude00\\u2028\""));

    [Fact]
    public void Lone_surrogate_is_a_validation_error()
        => Assert.Throws<ValidationException>(() => CanonicalJson.Serialize(JsonValue.Create("a\ud800b")));

    [Fact]
    public void Duplicate_member_names_are_a_validation_error()
    {
        var ex = Assert.Throws<ValidationException>(() => CanonicalJson.Canonicalize("""{"a":{"b":1,"b":2}}"""));
        Assert.Equal("$.a", ex.Path);
    }

    [Fact]
    public void Numbers_outside_double_range_are_a_validation_error()
        => Assert.Throws<ValidationException>(() => CanonicalJson.Canonicalize("[1e400]"));

    [Fact]
    public void Malformed_json_is_a_validation_error()
        => Assert.Throws<ValidationException>(() => CanonicalJson.Canonicalize("{\"a\":"));

    [Fact]
    public void Whitespace_and_member_order_do_not_change_the_hash()
    {
        var a = ContentHash.Of(JsonNode.Parse("""{ "b": [1, 2.0, {"y": null, "x": true}], "a": "s" }"""));
        var b = ContentHash.Of(JsonNode.Parse("""{"a":"s","b":[1,2,{"x":true,"y":null}]}"""));

        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{64}$", a);
    }

    [Fact]
    public void Content_hash_of_text_is_sha256_of_its_utf8_bytes()
        => Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHash.OfCanonical("abc"));

    [Fact]
    public void Random_doubles_round_trip_through_the_canonical_form()
    {
        var random = new Random(8785);
        Span<byte> bytes = stackalloc byte[8];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(bytes);
            var d = BitConverter.ToDouble(bytes);
            if (!double.IsFinite(d))
            {
                continue;
            }

            var text = CanonicalJson.FormatNumber(d);
            Assert.Equal(d == 0 ? 0d : d, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Nesting_exactly_at_the_limit_is_canonical_and_one_level_deeper_is_refused()
    {
        static string Nested(int levels) => new string('[', levels) + new string(']', levels);
        static JsonNode NestedNode(int levels)
        {
            JsonNode node = new JsonArray();
            for (var i = 1; i < levels; i++)
            {
                node = new JsonArray(node);
            }

            return node;
        }

        Assert.Equal(Nested(CanonicalJson.MaxDepth), CanonicalJson.Serialize(NestedNode(CanonicalJson.MaxDepth)));
        Assert.Throws<ValidationException>(() => CanonicalJson.Serialize(NestedNode(CanonicalJson.MaxDepth + 1)));
        using var atLimit = JsonDocument.Parse(Nested(CanonicalJson.MaxDepth), new JsonDocumentOptions { MaxDepth = CanonicalJson.MaxDepth });
        Assert.Equal(Nested(CanonicalJson.MaxDepth), CanonicalJson.Serialize(atLimit.RootElement));
        using var beyond = JsonDocument.Parse(Nested(CanonicalJson.MaxDepth + 1), new JsonDocumentOptions { MaxDepth = CanonicalJson.MaxDepth + 1 });
        Assert.Throws<ValidationException>(() => CanonicalJson.Serialize(beyond.RootElement));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_validation_error()
    {
        var deep = new string('[', CanonicalJson.MaxDepth + 5) + new string(']', CanonicalJson.MaxDepth + 5);
        Assert.Throws<ValidationException>(() => CanonicalJson.Canonicalize(deep));
    }

    [Theory]
    [InlineData("""{"b":[1,2.5,-0,1e21,{"y":null,"x":true}],"a":"s\u0001\"\\é😀","":false}""")]
    [InlineData("""[[], {}, "", 0, -9007199254740991, 9007199254740993, 123456789012345678901234, 0.1]""")]
    [InlineData("\"\\ud83d\\ude00 plain \\t tab\"")]
    public void The_utf8_writer_the_string_and_the_hash_agree(string json)
    {
        var node = JsonNode.Parse(json);
        using var document = JsonDocument.Parse(json);
        var text = CanonicalJson.Serialize(node);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        CanonicalJson.WriteTo(buffer, node);
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), CanonicalJson.SerializeToUtf8Bytes(document.RootElement));
        Assert.Equal(text, CanonicalJson.Serialize(document.RootElement));
        Assert.Equal(ContentHash.OfCanonical(text), ContentHash.Of(node));
        Assert.Equal(ContentHash.OfCanonical(text), ContentHash.Of(document.RootElement));
        Assert.Equal(text, CanonicalJson.Canonicalize(text)); // canonical text is its own canonical form
    }

    [Fact]
    public void A_value_without_a_canonical_form_is_reported_at_its_path()
    {
        var loneSurrogate = new JsonObject { ["a"] = new JsonArray(1, new JsonObject { ["b"] = "x\ud800" }) };
        Assert.Equal("$.a[1].b", Assert.Throws<ValidationException>(() => CanonicalJson.Serialize(loneSurrogate)).Path);

        var notFinite = new JsonObject { ["n"] = new JsonArray(JsonValue.Create(double.NaN)) };
        Assert.Equal("$.n[0]", Assert.Throws<ValidationException>(() => ContentHash.Of(notFinite)).Path);

        var tooLarge = Assert.Throws<ValidationException>(() => CanonicalJson.Canonicalize("""{"x":{"y":[0,1e400]}}"""));
        Assert.Equal("$.x.y[1]", tooLarge.Path);

        Assert.Equal("$", Assert.Throws<ValidationException>(() => CanonicalJson.Serialize(JsonValue.Create("\udc00"))).Path);
    }

    [Fact]
    public void Integers_below_two_to_the_53_are_written_with_all_their_digits()
    {
        foreach (var value in new[] { 0d, 1d, -1d, 42d, 1e15, -1e15, 9007199254740991d, -9007199254740991d, 9007199254740992d, 1e20 })
        {
            Assert.Equal(CanonicalJson.FormatNumber(value), CanonicalJson.Serialize(JsonValue.Create(value)));
        }
    }
}
