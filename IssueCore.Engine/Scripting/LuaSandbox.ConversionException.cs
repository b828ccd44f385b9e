using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Json;
using KeraLua;

namespace IssueCore.Scripting;

/// <summary>The conversion error type shared by both directions.</summary>
internal sealed partial class LuaSandbox
{
    /// <summary>A value that cannot cross between JSON and Lua.</summary>
    private sealed class ConversionException(string message, ScriptLimit limit) : Exception(message)
    {
        public ScriptLimit Limit { get; } = limit;
    }
}
