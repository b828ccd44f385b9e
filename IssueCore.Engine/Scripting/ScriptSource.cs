using System.Text;

namespace IssueCore.Scripting;

/// <summary>
/// One script text as the executor knows it: its UTF-8 bytes, the chunk name used in error messages,
/// and an id unique within the executor, under which every state caches the compiled chunk.
/// </summary>
internal sealed class ScriptSource(long id, string? fnId, string text)
{
    /// <summary>The key of the compiled chunk in each state's cache.</summary>
    public long Id { get; } = id;

    /// <summary>The Lua chunk name: <c>=fn_id</c> for registered scripts, <c>=script</c> for inline ones.</summary>
    public string ChunkName { get; } = "=" + (fnId ?? "script");

    /// <summary>The source text encoded once, compiled by each state on first use.</summary>
    public byte[] Utf8 { get; } = Encoding.UTF8.GetBytes(text);
}
