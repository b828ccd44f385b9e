namespace IssueCore.Flows;

/// <summary>
/// The values of <c>kind</c> in an error record that a <c>try</c> node writes
/// (<c>{"message", "kind", "node"}</c>, at <c>err_at</c>, by default <c>$.error</c>) and that a <c>fanout</c> with
/// <c>join: all_settled</c> stores as the <c>reason</c> of a failed branch.
/// </summary>
public static class FlowErrorKinds
{
    /// <summary>A Lua script failed or exceeded a budget.</summary>
    public const string Script = "script";

    /// <summary>A host agent threw.</summary>
    public const string Agent = "agent";

    /// <summary>A path could not be written (it runs through a value of the wrong type).</summary>
    public const string Path = "path";

    /// <summary>
    /// A value had the wrong type, for example a <c>fanout</c> whose <c>items</c> is not an array, a <c>branch</c> condition that
    /// is not a boolean, or an expression operand of the wrong type.
    /// </summary>
    public const string Type = "type";

    /// <summary>A <c>loop</c> reached <c>max_iterations</c> before its <c>until</c> condition held.</summary>
    public const string LoopLimit = "loop_limit";

    /// <summary>Every branch of a <c>fanout</c> with <c>join: any</c> failed.</summary>
    public const string Fanout = "fanout";

    /// <summary>An expression read a path that holds nothing (ask with <c>{"op":"exists"}</c> when a value may be missing).</summary>
    public const string PathNotFound = "path_not_found";

    /// <summary>An arithmetic expression divided by zero or left the range of a number.</summary>
    public const string Arithmetic = "arithmetic";
}
