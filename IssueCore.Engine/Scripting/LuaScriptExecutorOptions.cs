using System.Text.Json.Nodes;

namespace IssueCore.Scripting;

/// <summary>Defaults and extension points for <see cref="LuaScriptExecutor"/>. Read once, when the executor is created.</summary>
public sealed class LuaScriptExecutorOptions
{
    /// <summary>The most VM instructions one call may run. Default 10,000,000.</summary>
    public long MaxInstructions { get; set; } = 10_000_000;

    /// <summary>The most bytes a call's Lua state may hold (the sandbox itself takes roughly 100 KiB of it). Default 32 MiB.</summary>
    public long MaxMemoryBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>The longest one call may take, on the executor's <see cref="TimeProvider"/>. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The deepest nesting of arrays and objects accepted in input, output and primitive arguments. Default 128
    /// (<see cref="IssueCore.Json.JsonLimits.MaxRecordDepth"/>, the depth of the flow context that embeds a document
    /// accepted at <see cref="IssueCore.Json.JsonLimits.MaxDocumentDepth"/>); a larger value is held to it.
    /// </summary>
    public int MaxJsonDepth { get; set; } = IssueCore.Json.JsonLimits.MaxRecordDepth;

    /// <summary>The largest output accepted, in UTF-8 bytes of its compact JSON (string escapes not counted). Default 1 MiB.</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>How many idle Lua states the executor keeps for reuse. Default <see cref="Environment.ProcessorCount"/>.</summary>
    public int PoolSize { get; set; } = Environment.ProcessorCount;

    /// <summary>How many compiled chunks one state keeps before its cache is cleared. Default 256.</summary>
    public int MaxCachedChunksPerState { get; set; } = 256;

    /// <summary>
    /// Extra host primitives, callable from scripts as <c>host.&lt;name&gt;(value)</c>: one JSON value in, one JSON value out.
    /// An exception thrown by a primitive becomes a Lua error raised in the calling script with the exception's message.
    /// </summary>
    public IDictionary<string, Func<JsonNode?, JsonNode?>> Primitives { get; } = new Dictionary<string, Func<JsonNode?, JsonNode?>>(StringComparer.Ordinal);

    /// <summary>Adds a host primitive, available to scripts as <c>host.&lt;name&gt;(value)</c>.</summary>
    /// <param name="name">A Lua identifier that does not start with <c>__</c> (reserved) and does not clash with the built-in primitives.</param>
    /// <param name="primitive">Takes the script's argument as JSON and returns a JSON value.</param>
    /// <returns>These options, for chaining.</returns>
    public LuaScriptExecutorOptions AddPrimitive(string name, Func<JsonNode?, JsonNode?> primitive)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(primitive);
        Primitives[name] = primitive;
        return this;
    }
}
