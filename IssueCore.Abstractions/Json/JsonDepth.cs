using System.Text.Json.Nodes;

namespace IssueCore.Json;

/// <summary>
/// Measures how deep a JSON value nests without recursion, so a value built deeper than any limit
/// (in code, never by a parser) is measured without exhausting the stack.
/// </summary>
internal static class JsonDepth
{
    /// <summary>
    /// The nesting depth of a value: 0 for a scalar, 1 plus the deepest child for an object or array
    /// (so <c>[[1]]</c> nests 2 levels, as <see cref="System.Text.Json.JsonReaderOptions.MaxDepth"/> counts).
    /// </summary>
    /// <param name="node">The value (<see langword="null"/> is JSON null).</param>
    /// <param name="limit">The walk stops as soon as the depth exceeds this, and returns <paramref name="limit"/> + 1.</param>
    /// <param name="nodes">The number of values visited (all of them when the depth is within the limit).</param>
    public static int Of(JsonNode? node, int limit, out long nodes)
    {
        nodes = 0;
        if (node is not (JsonObject or JsonArray))
        {
            nodes = 1;
            return 0;
        }

        var max = 0;
        var pending = new Stack<(JsonNode Node, int Depth)>();
        pending.Push((node, 1));
        while (pending.Count > 0)
        {
            var (current, depth) = pending.Pop();
            nodes++;
            if (current is not (JsonObject or JsonArray))
            {
                continue;
            }

            if (depth > max)
            {
                max = depth;
                if (max > limit)
                {
                    return limit + 1;
                }
            }

            if (current is JsonObject obj)
            {
                foreach (var (_, child) in obj)
                {
                    PushChild(pending, child, depth, ref nodes);
                }
            }
            else
            {
                foreach (var child in (JsonArray)current)
                {
                    PushChild(pending, child, depth, ref nodes);
                }
            }
        }

        return max;
    }

    /// <summary>The nesting depth of a value, stopping at <paramref name="limit"/> + 1.</summary>
    public static int Of(JsonNode? node, int limit) => Of(node, limit, out _);

    private static void PushChild(Stack<(JsonNode Node, int Depth)> pending, JsonNode? child, int depth, ref long nodes)
    {
        if (child is JsonObject or JsonArray)
        {
            pending.Push((child, depth + 1));
        }
        else
        {
            nodes++;
        }
    }
}
