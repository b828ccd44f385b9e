using System.Runtime.InteropServices;

namespace IssueCore.Scripting;

/// <summary>Direct entry points into the Lua 5.4 library shipped with KeraLua, for what KeraLua does not expose.</summary>
internal static unsafe partial class LuaNative
{
    private const string LibraryName = "lua54";

    /// <summary>The address of <c>lua_error</c>: installed as a count hook it raises on every instruction, from native code only.</summary>
    public static readonly IntPtr ErrorFunction = ResolveErrorFunction();

    public const int MaskCount = 1 << 3;

    [LibraryImport(LibraryName, EntryPoint = "lua_sethook")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void SetHook(IntPtr state, IntPtr hook, int mask, int count);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushlstring")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr PushLString(IntPtr state, byte* s, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "lua_tolstring")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial byte* ToLString(IntPtr state, int index, out nuint length);

    [LibraryImport(LibraryName, EntryPoint = "lua_topointer")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr ToPointer(IntPtr state, int index);

    private static IntPtr ResolveErrorFunction()
    {
        var handle = NativeLibrary.Load(LibraryName, typeof(LuaNative).Assembly, DllImportSearchPath.SafeDirectories);
        return NativeLibrary.GetExport(handle, "lua_error");
    }
}
