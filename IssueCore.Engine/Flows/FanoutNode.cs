namespace IssueCore.Flows;

internal sealed class FanoutNode(string path, CtxPath items, CtxPath bind, FlowNode body, FanoutJoin join, CtxPath? output, int? maxParallel) : FlowNode(path)
{
    public CtxPath Items { get; } = items;

    public CtxPath Bind { get; } = bind;

    public FlowNode Body { get; } = body;

    public FanoutJoin Join { get; } = join;

    public CtxPath? Output { get; } = output;

    public int? MaxParallel { get; } = maxParallel;
}
