using IssueCore.Flows;
using IssueCore.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Agents;

/// <summary>
/// Binds a plan's agents to callables wrapped in the middleware pipeline. A host agent registered under a
/// name wins over a Blueprint agent of the same name; a <c>lua</c> agent runs through the script executor.
/// </summary>
internal sealed class AgentBinder
{
    private readonly IServiceProvider _services;
    private readonly IAgentMiddleware[] _middleware;
    private readonly FlowPlanCache _plans = new();

    public AgentBinder(IServiceProvider services, IEnumerable<HostAgentRegistration> hostAgents, IEnumerable<IAgentMiddleware> middleware)
    {
        _services = services;
        _middleware = [.. middleware];
        HostAgentNames = hostAgents.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlySet<string> HostAgentNames { get; }

    /// <summary>Validates and binds a Blueprint in one go (the resolve stage).</summary>
    /// <exception cref="ValidationException">The Blueprint is invalid or an agent cannot be bound.</exception>
    public (FlowPlan Plan, IReadOnlyDictionary<string, AgentCallDelegate> Agents) Resolve(Blueprints.Blueprint blueprint)
    {
        var plan = _plans.GetOrParse(blueprint, b => FlowValidator.Parse(b, HostAgentNames, CheckAgent));
        return (plan, Bind(plan));
    }

    /// <summary>
    /// The binding problems of one Blueprint agent, found before anything runs: a host agent the host did not register,
    /// a lua agent without an executor, a <c>fn_id</c> that names no registered script, or inline source that does not compile.
    /// </summary>
    private ValidationError? CheckAgent(AgentDefinition definition)
    {
        if (definition.Kind == AgentKind.Host)
        {
            return new ValidationError(definition.Path + ".name", $"The host agent '{definition.Name}' is not registered (services.AddIssueCoreAgent<T>(\"{definition.Name}\")).");
        }

        if (_services.GetService<IScriptExecutor>() is not { } executor)
        {
            return new ValidationError(definition.Path + ".kind", $"The lua agent '{definition.Name}' needs an IScriptExecutor, and none is registered.");
        }

        var problem = executor.CheckScript(definition.FnId, definition.Source);
        return problem is null ? null : new ValidationError(definition.Path + (definition.FnId is null ? ".spec.source" : ".spec.fn_id"), problem);
    }

    /// <summary>Binds a plan whose agents <see cref="CheckAgent"/> accepted when it was parsed (host agents first, then Lua agents).</summary>
    private Dictionary<string, AgentCallDelegate> Bind(FlowPlan plan)
    {
        var bound = new Dictionary<string, AgentCallDelegate>(StringComparer.Ordinal);
        foreach (var name in HostAgentNames)
        {
            bound[name] = Wrap(_services.GetRequiredKeyedService<IAgent>(name));
        }

        IScriptExecutor? executor = null;
        foreach (var definition in plan.Agents.Values)
        {
            if (!bound.ContainsKey(definition.Name))
            {
                executor ??= _services.GetRequiredService<IScriptExecutor>();
                bound[definition.Name] = Wrap(new LuaAgent(definition, executor));
            }
        }

        return bound;
    }

    private AgentCallDelegate Wrap(IAgent agent)
    {
        AgentCallDelegate call = agent.InvokeAsync;
        for (var i = _middleware.Length - 1; i >= 0; i--)
        {
            var middleware = _middleware[i];
            var next = call;
            call = (invocation, ct) => middleware.InvokeAsync(invocation, next, ct);
        }

        return call;
    }
}
