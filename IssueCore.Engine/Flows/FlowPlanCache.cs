using IssueCore.Blueprints;

namespace IssueCore.Flows;

/// <summary>
/// Validated plans by Blueprint content hash, so launching the same Blueprint again skips parsing and validation.
/// Bounded: the least recently used plan is dropped once <see cref="Capacity"/> plans are held. Only valid
/// Blueprints are cached; an invalid one is validated (and rejected) on every launch.
/// </summary>
/// <remarks>
/// A plan is immutable and holds no ctx, so one plan serves concurrent runs. The content hash identifies the
/// Blueprint's canonical JSON, so two Blueprint instances with the same hash yield the same plan.
/// </remarks>
internal sealed class FlowPlanCache
{
    public const int Capacity = 128;

    private readonly Lock _lock = new();
    private readonly Dictionary<BlueprintVersion, LinkedListNode<FlowPlan>> _plans = [];
    private readonly LinkedList<FlowPlan> _order = new(); // most recently used first

    public FlowPlan GetOrParse(Blueprint blueprint, Func<Blueprint, FlowPlan> parse)
    {
        lock (_lock)
        {
            if (_plans.TryGetValue(blueprint.Version, out var hit))
            {
                _order.Remove(hit);
                _order.AddFirst(hit);
                return hit.Value;
            }
        }

        var plan = parse(blueprint); // outside the lock: a concurrent parse of the same Blueprint is harmless
        lock (_lock)
        {
            if (_plans.TryGetValue(blueprint.Version, out var raced))
            {
                return raced.Value;
            }

            _plans[blueprint.Version] = _order.AddFirst(plan);
            if (_plans.Count > Capacity)
            {
                var oldest = _order.Last!;
                _order.RemoveLast();
                _plans.Remove(oldest.Value.Blueprint.Version);
            }
        }

        return plan;
    }
}
