using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Scripting;

namespace IssueCore.Flows;

/// <summary>
/// Checks a Blueprint's <c>flow</c> and <c>agents</c> before anything runs: node kinds and their required
/// members, paths and selectors, loop bounds, fan-out items, agent kinds and specs, and that every step
/// <c>ref</c> names an agent. Every problem is reported with its JSON path inside the Blueprint,
/// for example <c>$.flow.children[2].ref</c>.
/// </summary>
/// <remarks>
/// Wire format (snake_case): a node is an object with a <c>kind</c> discriminator:
/// <c>step {ref, in?, out?}</c> (<c>in</c> defaults to the whole ctx; without <c>out</c> the output is discarded),
/// <c>seq {children}</c>, <c>fanout {items, bind, body, join?: all|any|all_settled|race (default all), out?, max_parallel?, collect?}</c>
/// (<c>collect</c>, a path, makes the join keep only that path of each branch's ctx instead of the whole ctx),
/// <c>branch {cond, then, else?}</c>, <c>loop {body, until, max_iterations}</c>, <c>try {body, catch?, err_at?}</c>,
/// <c>assign {at, value}</c>. Selectors are expressions: <c>{"op":"path","at":"$.x"}</c>, <c>{"op":"const","value":…}</c>,
/// <c>{"op":"exists","at":"$.x"}</c>, or an operator with operands in <c>args</c>:
/// <c>eq ne lt le gt ge in add sub mul div</c> take two, <c>not len</c> one, <c>and or</c> two or more; their arity and every
/// type a constant makes known are checked here, and <c>cond</c> and <c>until</c> must be able to produce a boolean.
/// <c>out</c>, <c>at</c>, <c>bind</c> and <c>err_at</c> are path strings; <c>items</c> is a path string or a path selector.
/// Agents are <c>{name, kind: lua|host, spec: {fn_id | source}}</c>. An unknown member of a flow node or of a selector is an
/// error naming the node and the member (other parts of the Blueprint keep unknown members).
/// </remarks>
public static class FlowValidator
{
    /// <summary>The most iterations a <c>loop</c> may declare.</summary>
    public const int MaxLoopIterations = 1_000_000;

    /// <summary>How deeply selectors may nest operators (bounds the evaluator's recursion).</summary>
    internal const int MaxExpressionDepth = 32;

    /// <summary>The members each node kind declares; any other member is an error.</summary>
    private static readonly FrozenDictionary<string, string[]> NodeMembers = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["step"] = ["kind", "ref", "in", "out"],
        ["seq"] = ["kind", "children"],
        ["fanout"] = ["kind", "items", "bind", "body", "join", "out", "max_parallel", "collect"],
        ["branch"] = ["kind", "cond", "then", "else"],
        ["loop"] = ["kind", "body", "until", "max_iterations"],
        ["try"] = ["kind", "body", "catch", "err_at"],
        ["assign"] = ["kind", "at", "value"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Validates a Blueprint's flow against the agents it declares.</summary>
    /// <returns>Every problem found, in document order; empty when the Blueprint is valid.</returns>
    public static IReadOnlyList<ValidationError> Validate(Blueprint blueprint) => Validate(blueprint, []);

    /// <summary>
    /// Validates a Blueprint's flow; a step may also refer to one of <paramref name="hostAgentNames"/>
    /// (agents the host registered with <c>AddIssueCoreAgent</c>) without declaring it.
    /// </summary>
    /// <returns>Every problem found, in document order; empty when the Blueprint is valid.</returns>
    public static IReadOnlyList<ValidationError> Validate(Blueprint blueprint, IEnumerable<string> hostAgentNames)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        ArgumentNullException.ThrowIfNull(hostAgentNames);
        var parser = new Parser(new HashSet<string>(hostAgentNames, StringComparer.Ordinal));
        parser.Run(blueprint.Root);
        return parser.Errors;
    }

    /// <summary>
    /// Validates a Blueprint as a launch resolves it, without running anything: the flow and its agents as
    /// <see cref="Validate(Blueprint, IEnumerable{string})"/> checks them, and every <c>lua</c> agent the host does not
    /// override checked by <paramref name="scripts"/> (a <c>fn_id</c> that names no registered script, inline source
    /// that does not compile), at <c>$.agents[i].spec.fn_id</c> or <c>$.agents[i].spec.source</c>.
    /// </summary>
    /// <param name="blueprint">The Blueprint.</param>
    /// <param name="hostAgentNames">Agents the host registered; a step may name them, and they override Blueprint agents of the same name.</param>
    /// <param name="scripts">The script executor that would run the <c>lua</c> agents.</param>
    /// <returns>Every problem found; empty when a launch would accept the Blueprint (host agents aside).</returns>
    public static IReadOnlyList<ValidationError> Validate(Blueprint blueprint, IEnumerable<string> hostAgentNames, IScriptExecutor scripts)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        ArgumentNullException.ThrowIfNull(hostAgentNames);
        ArgumentNullException.ThrowIfNull(scripts);
        var hosts = new HashSet<string>(hostAgentNames, StringComparer.Ordinal);
        var parser = new Parser(hosts);
        parser.Run(blueprint.Root);
        foreach (var agent in parser.Agents.Values)
        {
            if (agent.Kind == AgentKind.Lua && !hosts.Contains(agent.Name) && scripts.CheckScript(agent.FnId, agent.Source) is { } problem)
            {
                parser.Errors.Add(new ValidationError(agent.Path + (agent.FnId is null ? ".spec.source" : ".spec.fn_id"), problem));
            }
        }

        return parser.Errors;
    }

    /// <summary>Parses a Blueprint into a plan, or throws one exception listing every problem.</summary>
    /// <param name="blueprint">The Blueprint.</param>
    /// <param name="hostAgentNames">Agents the host registered; they override Blueprint agents of the same name.</param>
    /// <param name="checkAgent">
    /// Checks a Blueprint agent the host does not override (for example that a Lua script compiles); its problems are
    /// listed with the parse errors, so one exception names every problem.
    /// </param>
    internal static FlowPlan Parse(Blueprint blueprint, IReadOnlySet<string> hostAgentNames, Func<AgentDefinition, ValidationError?>? checkAgent = null)
    {
        var parser = new Parser(hostAgentNames);
        var root = parser.Run(blueprint.Root);
        if (checkAgent is not null)
        {
            foreach (var agent in parser.Agents.Values)
            {
                if (!hostAgentNames.Contains(agent.Name) && checkAgent(agent) is { } problem)
                {
                    parser.Errors.Add(problem);
                }
            }
        }

        if (parser.Errors.Count > 0 || root is null)
        {
            throw new ValidationException(parser.Errors.Count > 0 ? parser.Errors : [new ValidationError("$.flow", "The flow is missing.")]);
        }

        return new FlowPlan(blueprint, root, parser.Agents);
    }

    private sealed class Parser(IReadOnlySet<string> hostAgents)
    {
        private readonly List<(string Ref, string Path)> _refs = [];

        public List<ValidationError> Errors { get; } = [];

        public Dictionary<string, AgentDefinition> Agents { get; } = new(StringComparer.Ordinal);

        public FlowNode? Run(JsonElement root)
        {
            if (root.TryGetProperty("agents", out var agents))
            {
                ParseAgents(agents);
            }

            FlowNode? node = null;
            if (!root.TryGetProperty("flow", out var flow))
            {
                Error("$.flow", "The Blueprint has no 'flow'.");
            }
            else
            {
                node = ParseNode(flow, "$.flow");
            }

            foreach (var (name, path) in _refs)
            {
                if (!Agents.ContainsKey(name) && !hostAgents.Contains(name))
                {
                    Error(path, $"No agent named '{name}' is declared in 'agents' or registered by the host.");
                }
            }

            return node;
        }

        private void Error(string path, string message) => Errors.Add(new ValidationError(path, message));

        private void ParseAgents(JsonElement agents)
        {
            if (agents.ValueKind != JsonValueKind.Array)
            {
                Error("$.agents", "'agents' must be an array.");
                return;
            }

            var i = 0;
            foreach (var agent in agents.EnumerateArray())
            {
                var path = $"$.agents[{i++}]";
                if (agent.ValueKind != JsonValueKind.Object)
                {
                    Error(path, "An agent must be an object.");
                    continue;
                }

                var name = RequireString(agent, "name", path);
                var kindText = RequireString(agent, "kind", path);
                AgentKind? kind = kindText switch
                {
                    null => null,
                    "lua" => AgentKind.Lua,
                    "host" => AgentKind.Host,
                    _ => null,
                };
                if (kindText is not null && kind is null)
                {
                    Error(path + ".kind", $"Unknown agent kind '{kindText}'; expected 'lua' or 'host'.");
                }

                string? fnId = null, source = null;
                var hasSpec = agent.TryGetProperty("spec", out var spec);
                if (hasSpec && spec.ValueKind != JsonValueKind.Object)
                {
                    Error(path + ".spec", "'spec' must be an object.");
                    hasSpec = false;
                }

                if (kind == AgentKind.Lua)
                {
                    if (!hasSpec)
                    {
                        Error(path + ".spec", "A lua agent needs 'spec' with 'fn_id' or 'source'.");
                    }
                    else
                    {
                        fnId = OptionalString(spec, "fn_id", path + ".spec");
                        source = OptionalString(spec, "source", path + ".spec");
                        if ((fnId is null) == (source is null))
                        {
                            Error(path + ".spec", "A lua agent's spec needs exactly one of 'fn_id' and 'source'.");
                        }
                    }
                }

                if (name is not null && kind is not null)
                {
                    if (!Agents.TryAdd(name, new AgentDefinition(name, kind.Value, fnId, source, path)))
                    {
                        Error(path + ".name", $"The agent name '{name}' is declared twice.");
                    }
                }
            }
        }

        private FlowNode? ParseNode(JsonElement node, string path)
        {
            if (node.ValueKind != JsonValueKind.Object)
            {
                Error(path, "A flow node must be an object with a 'kind'.");
                return null;
            }

            var kind = RequireString(node, "kind", path);
            if (kind is not null && NodeMembers.TryGetValue(kind, out var members))
            {
                UnknownMembers(node, path, $"a {kind} node", members);
            }

            switch (kind)
            {
                case null:
                    return null;
                case "step":
                    {
                        var agentRef = RequireString(node, "ref", path);
                        if (agentRef is not null)
                        {
                            _refs.Add((agentRef, path + ".ref"));
                        }

                        var input = node.TryGetProperty("in", out var inEl) ? ParseSelector(inEl, path + ".in", path, 0) : Selector.Path(CtxPath.Root, path, path + ".in");
                        var output = OptionalPath(node, "out", path);
                        return agentRef is null || input is null ? null : new StepNode(path, agentRef, input, output);
                    }

                case "seq":
                    {
                        if (!node.TryGetProperty("children", out var children) || children.ValueKind != JsonValueKind.Array)
                        {
                            Error(path + ".children", "A seq node needs a 'children' array.");
                            return null;
                        }

                        var list = new List<FlowNode>();
                        var i = 0;
                        var ok = true;
                        foreach (var child in children.EnumerateArray())
                        {
                            var parsed = ParseNode(child, $"{path}.children[{i++}]");
                            ok &= parsed is not null;
                            if (parsed is not null)
                            {
                                list.Add(parsed);
                            }
                        }

                        return ok ? new SeqNode(path, list) : null;
                    }

                case "fanout":
                    {
                        CtxPath? items = null;
                        if (!node.TryGetProperty("items", out var itemsEl))
                        {
                            Error(path + ".items", "A fanout node needs 'items' (a path to an array).");
                        }
                        else if (itemsEl.ValueKind == JsonValueKind.String)
                        {
                            items = ParsePath(itemsEl.GetString(), path + ".items");
                        }
                        else if (itemsEl.ValueKind == JsonValueKind.Object && itemsEl.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String && op.GetString() == "path")
                        {
                            items = RequirePath(itemsEl, "at", path + ".items");
                        }
                        else
                        {
                            Error(path + ".items", "'items' must be a path (a string such as \"$.list\" or {\"op\":\"path\",\"at\":…}).");
                        }

                        var bind = RequirePath(node, "bind", path);
                        var body = RequireNode(node, "body", path);
                        var join = FanoutJoin.All;
                        if (node.TryGetProperty("join", out var joinEl))
                        {
                            switch (joinEl.ValueKind == JsonValueKind.String ? joinEl.GetString() : null)
                            {
                                case "all": join = FanoutJoin.All; break;
                                case "any": join = FanoutJoin.Any; break;
                                case "all_settled": join = FanoutJoin.AllSettled; break;
                                case "race": join = FanoutJoin.Race; break;
                                default: Error(path + ".join", "'join' must be 'all', 'any', 'all_settled' or 'race'."); break;
                            }
                        }

                        var output = OptionalPath(node, "out", path);
                        int? maxParallel = null;
                        if (node.TryGetProperty("max_parallel", out var mp))
                        {
                            maxParallel = PositiveInt(mp, path + ".max_parallel", int.MaxValue);
                        }

                        var collect = OptionalPath(node, "collect", path);
                        if (collect is not null && collect.IsRoot)
                        {
                            Error(path + ".collect", "'collect' must name a path below the root, such as \"$.verdict\" (without it the whole ctx is joined).");
                            collect = null;
                        }

                        return items is null || bind is null || body is null ? null : new FanoutNode(path, items, bind, body, join, output, maxParallel, collect);
                    }

                case "branch":
                    {
                        var cond = RequireCondition(node, "cond", path);
                        var then = RequireNode(node, "then", path);
                        FlowNode? @else = null;
                        var elseOk = true;
                        if (node.TryGetProperty("else", out var elseEl) && elseEl.ValueKind != JsonValueKind.Null)
                        {
                            @else = ParseNode(elseEl, path + ".else");
                            elseOk = @else is not null;
                        }

                        return cond is null || then is null || !elseOk ? null : new BranchNode(path, cond, then, @else);
                    }

                case "loop":
                    {
                        var body = RequireNode(node, "body", path);
                        var until = RequireCondition(node, "until", path);
                        int? max = null;
                        if (!node.TryGetProperty("max_iterations", out var maxEl))
                        {
                            Error(path + ".max_iterations", "A loop needs a bound: 'max_iterations' is required.");
                        }
                        else
                        {
                            max = PositiveInt(maxEl, path + ".max_iterations", MaxLoopIterations);
                        }

                        return body is null || until is null || max is null ? null : new LoopNode(path, body, until, max.Value);
                    }

                case "try":
                    {
                        var body = RequireNode(node, "body", path);
                        FlowNode? @catch = null;
                        var catchOk = true;
                        if (node.TryGetProperty("catch", out var catchEl) && catchEl.ValueKind != JsonValueKind.Null)
                        {
                            @catch = ParseNode(catchEl, path + ".catch");
                            catchOk = @catch is not null;
                        }

                        var errorAt = OptionalPath(node, "err_at", path);
                        if (errorAt is not null && errorAt.IsRoot)
                        {
                            Error(path + ".err_at", "'err_at' must name a path below the root, such as \"$.failure\" (the error record would replace the whole ctx).");
                            return null;
                        }

                        return body is null || !catchOk ? null : new TryNode(path, body, @catch, errorAt ?? FlowPaths.Error);
                    }

                case "assign":
                    {
                        var at = RequirePath(node, "at", path);
                        var value = RequireSelector(node, "value", path);
                        return at is null || value is null ? null : new AssignNode(path, at, value);
                    }

                default:
                    Error(path + ".kind", $"Unknown node kind '{kind}'; expected step, seq, fanout, branch, loop, try or assign.");
                    return null;
            }
        }

        private FlowNode? RequireNode(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var child))
            {
                Error($"{path}.{member}", $"'{member}' is required.");
                return null;
            }

            return ParseNode(child, $"{path}.{member}");
        }

        private Selector? RequireSelector(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var el))
            {
                Error($"{path}.{member}", $"'{member}' is required (a selector such as {{\"op\":\"path\",\"at\":\"$.x\"}}).");
                return null;
            }

            return ParseSelector(el, $"{path}.{member}", path, 0);
        }

        /// <summary>A selector that must be able to produce a boolean (a branch or loop condition).</summary>
        private Selector? RequireCondition(JsonElement node, string member, string path)
        {
            var selector = RequireSelector(node, member, path);
            if (selector is not null && (selector.StaticType & ExprType.Boolean) == 0)
            {
                Error($"{path}.{member}", $"A condition must be a boolean; this {OpDescription(selector)} is a {JsonOperands.Name(selector.StaticType)}.");
                return null;
            }

            return selector;
        }

        private Selector? ParseSelector(JsonElement el, string path, string nodePath, int depth)
        {
            if (el.ValueKind != JsonValueKind.Object)
            {
                Error(path, "A selector must be an object: {\"op\":\"path\",\"at\":…}, {\"op\":\"const\",\"value\":…} or an operator such as {\"op\":\"eq\",\"args\":[…, …]}.");
                return null;
            }

            if (depth >= MaxExpressionDepth)
            {
                Error(path, string.Create(CultureInfo.InvariantCulture, $"Selectors may nest at most {MaxExpressionDepth} levels deep."));
                return null;
            }

            var opName = RequireString(el, "op", path);
            if (opName is null)
            {
                return null;
            }

            if (!Selector.Ops.TryGetValue(opName, out var op))
            {
                Error(path + ".op", $"Unknown selector op '{opName}'; expected one of {string.Join(", ", Selector.Ops.Keys.Order(StringComparer.Ordinal))}.");
                return null;
            }

            switch (op)
            {
                case SelectorOp.Path or SelectorOp.Exists:
                    {
                        UnknownMembers(el, path, $"an '{opName}' selector", ["op", "at"]);
                        var at = RequirePath(el, "at", path);
                        return at is null ? null : op == SelectorOp.Path ? Selector.Path(at, nodePath, path) : Selector.Exists(at, nodePath, path);
                    }

                case SelectorOp.Const:
                    UnknownMembers(el, path, "a 'const' selector", ["op", "value"]);
                    if (!el.TryGetProperty("value", out var value))
                    {
                        Error(path + ".value", "A const selector needs 'value'.");
                        return null;
                    }

                    return Selector.Const(value, nodePath, path);
            }

            UnknownMembers(el, path, $"an '{opName}' selector", ["op", "args"]);
            if (!el.TryGetProperty("args", out var argsEl) || argsEl.ValueKind != JsonValueKind.Array)
            {
                Error(path + ".args", $"'{opName}' needs 'args', an array of selectors.");
                return null;
            }

            var (min, max, arity) = op switch
            {
                SelectorOp.Not or SelectorOp.Len => (1, 1, "exactly one operand"),
                SelectorOp.And or SelectorOp.Or => (2, int.MaxValue, "two or more operands"),
                _ => (2, 2, "exactly two operands"),
            };
            var count = argsEl.GetArrayLength();
            if (count < min || count > max)
            {
                Error(path + ".args", string.Create(CultureInfo.InvariantCulture, $"'{opName}' takes {arity}, not {count}."));
                return null;
            }

            var args = new Selector[count];
            var ok = true;
            var i = 0;
            foreach (var arg in argsEl.EnumerateArray())
            {
                var parsed = ParseSelector(arg, string.Create(CultureInfo.InvariantCulture, $"{path}.args[{i}]"), nodePath, depth + 1);
                ok &= parsed is not null;
                args[i++] = parsed!;
            }

            if (!ok)
            {
                return null;
            }

            var selector = Selector.Operator(op, args, nodePath, path);
            return CheckOperandTypes(selector) ? selector : null;
        }

        /// <summary>Checks what validation can know of an operator's operand types (constants, and what operators produce).</summary>
        private bool CheckOperandTypes(Selector selector)
        {
            var op = Selector.OpName(selector.Op);
            var args = selector.Args;
            var ok = true;

            void Require(Selector arg, ExprType accepted, string what)
            {
                if ((arg.StaticType & accepted) == 0)
                {
                    Error(arg.ExprPath, $"'{op}' needs {what} here; this {OpDescription(arg)} is a {JsonOperands.Name(arg.StaticType)}.");
                    ok = false;
                }
            }

            switch (selector.Op)
            {
                case SelectorOp.Lt or SelectorOp.Le or SelectorOp.Gt or SelectorOp.Ge:
                    Require(args[0], ExprType.Number | ExprType.String, "a number or a string");
                    Require(args[1], ExprType.Number | ExprType.String, "a number or a string");
                    if (ok && (args[0].StaticType & args[1].StaticType & (ExprType.Number | ExprType.String)) == 0)
                    {
                        Error(selector.ExprPath, $"'{op}' compares two numbers or two strings, not a {JsonOperands.Name(args[0].StaticType)} and a {JsonOperands.Name(args[1].StaticType)}.");
                        ok = false;
                    }

                    break;
                case SelectorOp.Not or SelectorOp.And or SelectorOp.Or:
                    foreach (var arg in args)
                    {
                        Require(arg, ExprType.Boolean, "a boolean");
                    }

                    break;
                case SelectorOp.Add or SelectorOp.Sub or SelectorOp.Mul or SelectorOp.Div:
                    Require(args[0], ExprType.Number, "a number");
                    Require(args[1], ExprType.Number, "a number");
                    if (ok && selector.Op == SelectorOp.Div && args[1].Op == SelectorOp.Const && args[1].ConstValue.TryGetDouble(out var divisor) && divisor == 0)
                    {
                        Error(args[1].ExprPath, "'div' by the constant 0 always fails.");
                        ok = false;
                    }

                    break;
                case SelectorOp.Len:
                    Require(args[0], ExprType.String | ExprType.Array | ExprType.Object, "a string, an array or an object");
                    break;
                case SelectorOp.In:
                    Require(args[1], ExprType.Array | ExprType.String | ExprType.Object, "an array, a string or an object");
                    if (ok && (args[1].StaticType & ExprType.Array) == 0)
                    {
                        // In a string or an object, the needle is a substring or a member name.
                        Require(args[0], ExprType.String, "a string (the haystack is a string or an object)");
                    }

                    break;
            }

            return ok;
        }

        private static string OpDescription(Selector selector) => selector.Op == SelectorOp.Const ? "constant" : $"'{Selector.OpName(selector.Op)}' expression";

        private void UnknownMembers(JsonElement node, string path, string what, string[] members)
        {
            foreach (var property in node.EnumerateObject())
            {
                if (Array.IndexOf(members, property.Name) < 0)
                {
                    Error($"{path}.{property.Name}", $"Unknown member '{property.Name}' in {what} at {path}; expected {string.Join(", ", members)}.");
                }
            }
        }

        private CtxPath? RequirePath(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var el) || el.ValueKind != JsonValueKind.String)
            {
                Error($"{path}.{member}", $"'{member}' is required and must be a path string such as \"$.x\".");
                return null;
            }

            return ParsePath(el.GetString(), $"{path}.{member}");
        }

        private CtxPath? OptionalPath(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var el) || el.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (el.ValueKind != JsonValueKind.String)
            {
                Error($"{path}.{member}", $"'{member}' must be a path string such as \"$.x\".");
                return null;
            }

            return ParsePath(el.GetString(), $"{path}.{member}");
        }

        private CtxPath? ParsePath(string? text, string path)
        {
            if (CtxPath.TryParse(text, out var parsed, out var error))
            {
                return parsed;
            }

            Error(path, error);
            return null;
        }

        private string? RequireString(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var el) || el.ValueKind != JsonValueKind.String || el.GetString()!.Length == 0)
            {
                Error($"{path}.{member}", $"'{member}' is required and must be a non-empty string.");
                return null;
            }

            return el.GetString();
        }

        private string? OptionalString(JsonElement node, string member, string path)
        {
            if (!node.TryGetProperty(member, out var el) || el.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (el.ValueKind != JsonValueKind.String || el.GetString()!.Length == 0)
            {
                Error($"{path}.{member}", $"'{member}' must be a non-empty string.");
                return null;
            }

            return el.GetString();
        }

        private int? PositiveInt(JsonElement el, string path, int max)
        {
            if (el.ValueKind == JsonValueKind.Number && el.TryGetInt32(out var value) && value >= 1 && value <= max)
            {
                return value;
            }

            Error(path, string.Create(CultureInfo.InvariantCulture, $"Must be an integer from 1 to {max}."));
            return null;
        }
    }
}
