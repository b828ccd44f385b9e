namespace IssueCore.Flows;

internal sealed class FanoutNode(string path, CtxPath items, CtxPath bind, FlowNode body, FanoutJoin join, CtxPath? output, int? maxParallel, CtxPath? collect = null) : FlowNode(path)
{
    public CtxPath Items { get; } = items;

    public CtxPath Bind { get; } = bind;

    public FlowNode Body { get; } = body;

    public FanoutJoin Join { get; } = join;

    public CtxPath? Output { get; } = output;

    public int? MaxParallel { get; } = maxParallel;

    /// <summary>
    /// When set, the join keeps only this path of each branch's ctx (written at the same path of a fresh object, so
    /// <c>collect: "$.verdict"</c> joins <c>{"verdict": …}</c> per branch) instead of the branch's whole ctx.
    /// </summary>
    public CtxPath? Collect { get; } = collect;
}
