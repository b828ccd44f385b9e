using System.Runtime.InteropServices;

namespace IssueCore.Scripting;

/// <summary>Direct entry points into the Lua 5.4 library shipped with KeraLua, for what KeraLua does not expose.</summary>
internal static unsafe partial class LuaNative
{
    private const string LibraryName = "lua54";

    /// <summary>The address of <c>lua_error</c>: installed as a count hook it raises on every instruction, from native code only.</summary>
    public static readonly IntPtr ErrorFunction = ResolveErrorFunction();

    public const int MaskCount = 1 << 3;

    // Calls below neither allocate, raise nor call back into managed code, and return at once: they run
    // without the GC transition, which otherwise costs more than the call itself on the per-call path.
    [LibraryImport(LibraryName, EntryPoint = "lua_type")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int Type(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_gettop")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int GetTop(IntPtr state);

    /// <summary>Only to shrink the stack of values pushed by the host (never over to-be-closed variables).</summary>
    [LibraryImport(LibraryName, EntryPoint = "lua_settop")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void SetTop(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_rawgeti")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void RawGetInteger(IntPtr state, int index, long n);

    /// <summary>Only into a slot that already exists, with a value that is not collectable (no allocation).</summary>
    [LibraryImport(LibraryName, EntryPoint = "lua_rawseti")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void RawSetInteger(IntPtr state, int index, long n);

    /// <summary>Only to clear a field that exists (assigning <c>nil</c> to an existing key neither allocates nor raises).</summary>
    [LibraryImport(LibraryName, EntryPoint = "lua_rawset")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void RawSetExisting(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_rawget")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int RawGet(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_toboolean")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int ToBoolean(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_isinteger")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int IsInteger(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_tointegerx")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial long ToIntegerX(IntPtr state, int index, int* isNumber);

    [LibraryImport(LibraryName, EntryPoint = "lua_tonumberx")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial double ToNumberX(IntPtr state, int index, int* isNumber);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushboolean")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushBoolean(IntPtr state, int value);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushnil")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushNil(IntPtr state);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushinteger")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushInteger(IntPtr state, long value);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushnumber")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushNumber(IntPtr state, double value);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushlightuserdata")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushLightUserData(IntPtr state, IntPtr value);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushvalue")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void PushValue(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_setmetatable")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial void SetMetaTable(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_getmetatable")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int GetMetaTable(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_next")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial int Next(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_setupvalue")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static partial IntPtr SetUpValue(IntPtr state, int functionIndex, int n);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushcclosure")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void PushCClosure(IntPtr state, delegate* unmanaged<IntPtr, int> function, int upvalues);

    [LibraryImport(LibraryName, EntryPoint = "lua_sethook")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition] // stores three fields: never allocates, blocks or calls back
    public static partial void SetHook(IntPtr state, IntPtr hook, int mask, int count);

    // Calls below may allocate (so the allocator calls back) or run Lua code: they keep the GC transition. They stand in
    // for KeraLua's own imports on the per-call path, whose marshalling stubs cost more than these direct calls.
    [LibraryImport(LibraryName, EntryPoint = "lua_pcallk")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int PCallK(IntPtr state, int nargs, int nresults, int errorFunction, IntPtr context, IntPtr continuation);

    [LibraryImport(LibraryName, EntryPoint = "lua_rawset")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void RawSet(IntPtr state, int index);

    [LibraryImport(LibraryName, EntryPoint = "lua_createtable")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void CreateTable(IntPtr state, int arrayCount, int memberCount);

    [LibraryImport(LibraryName, EntryPoint = "lua_checkstack")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int CheckStack(IntPtr state, int n);

    [LibraryImport(LibraryName, EntryPoint = "lua_pushlstring")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr PushLString(IntPtr state, byte* s, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "lua_tolstring")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial byte* ToLString(IntPtr state, int index, out nuint length);

    [LibraryImport(LibraryName, EntryPoint = "lua_setallocf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial void SetAllocator(IntPtr state, delegate* unmanaged<IntPtr, IntPtr, nuint, nuint, IntPtr> allocator, IntPtr userData);

    [LibraryImport(LibraryName, EntryPoint = "lua_getallocf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr GetAllocator(IntPtr state, out IntPtr userData);

    [LibraryImport(LibraryName, EntryPoint = "lua_topointer")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial IntPtr ToPointer(IntPtr state, int index);

    private static IntPtr ResolveErrorFunction()
    {
        var handle = NativeLibrary.Load(LibraryName, typeof(LuaNative).Assembly, DllImportSearchPath.SafeDirectories);
        return NativeLibrary.GetExport(handle, "lua_error");
    }
}
