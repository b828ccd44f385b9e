using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IssueCore;
using IssueCore.Scripting;

// Usage:
//   self-nesting-copy <operations>   applies, through host.json_patch under the default options, a patch of
//                                    <operations> copies of "/a" into "/a/a" (each nests the document one
//                                    level deeper); prints "ok <depth>" or "ScriptException <limit> <message>".
//   doubling-copy <operations>      the same with copies of "/a" to the deepest point inside "/a": each
//                                    doubles the document's depth (17 operations make a 262 KB patch).
//   deep-input <depth>               runs a script on an input nested <depth> levels deep.
if (args.Length < 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
{
    Console.Error.WriteLine("usage: self-nesting-copy <operations> | doubling-copy <operations> | deep-input <depth>");
    return 2;
}

using var executor = new LuaScriptExecutor();
ScriptInvocation invocation;
switch (args[0])
{
    case "self-nesting-copy" or "doubling-copy":
        {
            var ops = new StringBuilder("[");
            var chain = 1;
            for (var i = 0; i < count; i++)
            {
                var path = args[0] == "self-nesting-copy" ? "/a/a" : new StringBuilder().Insert(0, "/a", chain + 1).ToString();
                ops.Append(i == 0 ? string.Empty : ",").Append("{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"").Append(path).Append("\"}");
                chain *= 2;
            }

            ops.Append(']');
            Console.Error.WriteLine($"patch: {ops.Length} bytes");
            invocation = new ScriptInvocation
            {
                Name = "self-nesting-copy",
                Source = """
                    local doc = host.json_patch({ a = host.object() }, _CTX.ops)
                    local depth, node = 0, doc
                    while type(node) == "table" do depth = depth + 1 node = node.a end
                    return { ok = true, value = depth }
                    """,
                Input = new JsonObject { ["ops"] = JsonNode.Parse(ops.ToString()) },
            };
            break;
        }

    case "deep-input":
        {
            JsonNode node = new JsonObject();
            for (var i = 0; i < count; i++)
            {
                node = new JsonObject { ["a"] = node };
            }

            invocation = new ScriptInvocation { Name = "deep-input", Source = "return { ok = true, value = 1 }", Input = node };
            break;
        }

    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}

try
{
    var result = await executor.ExecuteAsync(invocation);
    Console.WriteLine($"ok {result?.ToJsonString()}");
}
catch (ScriptException ex)
{
    Console.WriteLine($"ScriptException {ex.Limit} {ex.ScriptMessage}");
}

return 0;
