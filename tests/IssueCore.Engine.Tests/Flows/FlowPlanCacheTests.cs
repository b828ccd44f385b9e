using IssueCore.Blueprints;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows;

public sealed class FlowPlanCacheTests
{
    private static Blueprint Flow(int n)
        => Blueprint.Parse($$$"""{"id":"f{{{n}}}","flow":{"kind":"step","ref":"a","in":{"op":"const","value":{{{n}}}}},"agents":[{"name":"a","kind":"lua","spec":{"source":"return 1"}}]}""");

    [Fact]
    public void A_Blueprint_with_the_same_content_reuses_the_validated_plan()
    {
        var cache = new FlowPlanCache();
        var parses = 0;
        FlowPlan Parse(Blueprint b)
        {
            parses++;
            return FlowValidator.Parse(b, new HashSet<string>());
        }

        var first = cache.GetOrParse(Flow(1), Parse);
        var second = cache.GetOrParse(Flow(1), Parse); // another instance, same content hash

        Assert.Same(first, second);
        Assert.Equal(1, parses);
    }

    [Fact]
    public void An_invalid_Blueprint_is_rejected_on_every_launch()
    {
        var cache = new FlowPlanCache();
        var invalid = Blueprint.Parse("""{"id":"bad","flow":{"kind":"step","ref":"missing"}}""");

        Assert.Throws<ValidationException>(() => cache.GetOrParse(invalid, b => FlowValidator.Parse(b, new HashSet<string>())));
        Assert.Throws<ValidationException>(() => cache.GetOrParse(invalid, b => FlowValidator.Parse(b, new HashSet<string>())));
    }

    [Fact]
    public void The_least_recently_used_plan_is_dropped_beyond_capacity()
    {
        var cache = new FlowPlanCache();
        var parsed = new List<string?>();
        FlowPlan Parse(Blueprint b)
        {
            parsed.Add(b.Id);
            return FlowValidator.Parse(b, new HashSet<string>());
        }

        for (var i = 0; i < FlowPlanCache.Capacity; i++)
        {
            cache.GetOrParse(Flow(i), Parse);
        }

        cache.GetOrParse(Flow(0), Parse); // used again: now the most recent
        cache.GetOrParse(Flow(FlowPlanCache.Capacity), Parse); // evicts f1, the least recently used
        parsed.Clear();

        cache.GetOrParse(Flow(0), Parse);
        cache.GetOrParse(Flow(1), Parse);

        Assert.Equal(["f1"], parsed);
    }
}
