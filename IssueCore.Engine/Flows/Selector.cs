using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Flows;

/// <summary>
/// A selector: a flow expression evaluated in C# over the ctx. <c>{op: path, at}</c> reads the ctx, <c>{op: const, value}</c>
/// is a literal, <c>{op: exists, at}</c> asks whether a path is present, and the operators
/// (<c>eq ne lt le gt ge not and or add sub mul div len in</c>) take their operands in <c>args</c>. Validation has checked
/// the arity and every type it could know; what only the run can know fails with a <see cref="FlowFaultException"/> of kind
/// <see cref="FlowErrorKinds.Type"/>, <see cref="FlowErrorKinds.PathNotFound"/> or <see cref="FlowErrorKinds.Arithmetic"/>.
/// </summary>
internal sealed class Selector
{
    private readonly CtxPath? _path;
    private readonly JsonElement _value; // immutable, so a plan shared by concurrent runs and branches can read it
    private readonly Selector[] _args;

    private Selector(SelectorOp op, CtxPath? path, JsonElement value, Selector[] args, string nodePath, string exprPath)
    {
        Op = op;
        _path = path;
        _value = value;
        _args = args;
        NodePath = nodePath;
        ExprPath = exprPath;
    }

    public SelectorOp Op { get; }

    public bool IsPath => Op == SelectorOp.Path;

    /// <summary>The flow node the expression belongs to (the node a failure names).</summary>
    public string NodePath { get; }

    /// <summary>Where the expression sits in the Blueprint, for example <c>$.flow.cond.args[0]</c>.</summary>
    public string ExprPath { get; }

    public IReadOnlyList<Selector> Args => _args;

    /// <summary>The JSON types the expression can produce, as validation knows them.</summary>
    public ExprType StaticType => Op switch
    {
        SelectorOp.Path => ExprType.Any,
        SelectorOp.Const => JsonOperands.TypeOf(_value),
        SelectorOp.Add or SelectorOp.Sub or SelectorOp.Mul or SelectorOp.Div or SelectorOp.Len => ExprType.Number,
        _ => ExprType.Boolean,
    };

    /// <summary>The literal of a <c>const</c> expression.</summary>
    public JsonElement ConstValue => _value;

    public static Selector Path(CtxPath path, string nodePath = "", string exprPath = "")
        => new(SelectorOp.Path, path, default, [], nodePath, exprPath);

    public static Selector Exists(CtxPath path, string nodePath = "", string exprPath = "")
        => new(SelectorOp.Exists, path, default, [], nodePath, exprPath);

    public static Selector Const(JsonElement value, string nodePath = "", string exprPath = "")
        => new(SelectorOp.Const, null, value.Clone(), [], nodePath, exprPath);

    public static Selector Operator(SelectorOp op, Selector[] args, string nodePath = "", string exprPath = "")
        => new(op, null, default, args, nodePath, exprPath);

    /// <summary>Evaluates against the ctx; the result is a detached copy.</summary>
    /// <exception cref="FlowFaultException">A path is missing, or an operand has the wrong type.</exception>
    public JsonNode? Evaluate(JsonObject ctx) => Op switch
    {
        SelectorOp.Path => Read(ctx)?.DeepClone(),
        SelectorOp.Const => ConstNode(),
        _ => Eval(ctx), // operators build fresh values
    };

    /// <summary>Evaluates a condition (<c>branch.cond</c>, <c>loop.until</c>): the value must be a boolean.</summary>
    /// <exception cref="FlowFaultException">The value is not a boolean (kind <c>type</c>), or evaluating it failed.</exception>
    public bool EvaluateCondition(JsonObject ctx)
    {
        var value = Eval(ctx);
        if (JsonOperands.TypeOf(value) != ExprType.Boolean)
        {
            throw new FlowFaultException(NodePath, FlowErrorKinds.Type, $"{ExprPath}: a condition must be a boolean, not the {JsonOperands.Name(JsonOperands.TypeOf(value))} {Show(value)}.");
        }

        return JsonOperands.AsBoolean(value!);
    }

    /// <summary>Evaluates without copying: a path result may be a node of the ctx itself, so callers only read it.</summary>
    private JsonNode? Eval(JsonObject ctx)
    {
        switch (Op)
        {
            case SelectorOp.Path:
                return Read(ctx);
            case SelectorOp.Const:
                return ConstNode();
            case SelectorOp.Exists:
                return JsonValue.Create(_path!.TryGet(ctx, out _));
            case SelectorOp.Eq:
                return JsonValue.Create(JsonOperands.DeepEquals(_args[0].Eval(ctx), _args[1].Eval(ctx)));
            case SelectorOp.Ne:
                return JsonValue.Create(!JsonOperands.DeepEquals(_args[0].Eval(ctx), _args[1].Eval(ctx)));
            case SelectorOp.Lt or SelectorOp.Le or SelectorOp.Gt or SelectorOp.Ge:
                {
                    var c = Compare(_args[0].Eval(ctx), _args[1].Eval(ctx));
                    return JsonValue.Create(Op switch
                    {
                        SelectorOp.Lt => c < 0,
                        SelectorOp.Le => c <= 0,
                        SelectorOp.Gt => c > 0,
                        _ => c >= 0,
                    });
                }

            case SelectorOp.Not:
                return JsonValue.Create(!Boolean(_args[0], _args[0].Eval(ctx)));
            case SelectorOp.And or SelectorOp.Or:
                {
                    var stopAt = Op == SelectorOp.Or;
                    foreach (var arg in _args)
                    {
                        if (Boolean(arg, arg.Eval(ctx)) == stopAt)
                        {
                            return JsonValue.Create(stopAt);
                        }
                    }

                    return JsonValue.Create(!stopAt);
                }

            case SelectorOp.Add or SelectorOp.Sub or SelectorOp.Mul or SelectorOp.Div:
                {
                    // Both operands are evaluated before either is checked, as for every operator but 'and' and 'or'.
                    var left = _args[0].Eval(ctx);
                    var right = _args[1].Eval(ctx);
                    var a = Number(_args[0], left);
                    var b = Number(_args[1], right);
                    if (Op == SelectorOp.Div && b == 0)
                    {
                        throw new FlowFaultException(NodePath, FlowErrorKinds.Arithmetic, $"{ExprPath}: division by zero.");
                    }

                    var result = Op switch
                    {
                        SelectorOp.Add => a + b,
                        SelectorOp.Sub => a - b,
                        SelectorOp.Mul => a * b,
                        _ => a / b,
                    };
                    if (!double.IsFinite(result))
                    {
                        throw new FlowFaultException(NodePath, FlowErrorKinds.Arithmetic, $"{ExprPath}: the result is beyond the range of a number.");
                    }

                    return JsonOperands.Number(result);
                }

            case SelectorOp.Len:
                {
                    var value = _args[0].Eval(ctx);
                    return JsonValue.Create(JsonOperands.TypeOf(value) switch
                    {
                        ExprType.String => JsonOperands.CodePoints(JsonOperands.AsString(value!)),
                        ExprType.Array => value!.AsArray().Count,
                        ExprType.Object => value!.AsObject().Count,
                        var other => throw Mistyped(_args[0], "a string, an array or an object", other, value),
                    });
                }

            case SelectorOp.In:
                {
                    var needle = _args[0].Eval(ctx);
                    var haystack = _args[1].Eval(ctx);
                    switch (JsonOperands.TypeOf(haystack))
                    {
                        case ExprType.Array:
                            foreach (var element in haystack!.AsArray())
                            {
                                if (JsonOperands.DeepEquals(needle, element))
                                {
                                    return JsonValue.Create(true);
                                }
                            }

                            return JsonValue.Create(false);
                        case ExprType.String:
                            return JsonValue.Create(JsonOperands.AsString(haystack!).Contains(String(_args[0], needle, "in a string"), StringComparison.Ordinal));
                        case ExprType.Object:
                            return JsonValue.Create(haystack!.AsObject().ContainsKey(String(_args[0], needle, "as a member name")));
                        case var other:
                            throw Mistyped(_args[1], "an array, a string or an object", other, haystack);
                    }
                }

            default:
                throw new InvalidOperationException($"Unknown selector op {Op}.");
        }
    }

    private JsonNode? Read(JsonObject ctx)
    {
        if (!_path!.TryGet(ctx, out var value))
        {
            throw new FlowFaultException(NodePath, FlowErrorKinds.PathNotFound, $"{ExprPath}: nothing at '{_path}' (ask with {{\"op\":\"exists\",\"at\":\"{_path}\"}} when it may be missing).");
        }

        return value;
    }

    private int Compare(JsonNode? a, JsonNode? b)
    {
        var ta = JsonOperands.TypeOf(a);
        var tb = JsonOperands.TypeOf(b);
        if (ta == ExprType.Number && tb == ExprType.Number)
        {
            return JsonOperands.AsNumber(a!).CompareTo(JsonOperands.AsNumber(b!));
        }

        if (ta == ExprType.String && tb == ExprType.String)
        {
            return string.CompareOrdinal(JsonOperands.AsString(a!), JsonOperands.AsString(b!));
        }

        throw new FlowFaultException(NodePath, FlowErrorKinds.Type, $"{ExprPath}: '{OpName(Op)}' compares two numbers or two strings, not a {JsonOperands.Name(ta)} {Show(a)} and a {JsonOperands.Name(tb)} {Show(b)}.");
    }

    private bool Boolean(Selector arg, JsonNode? value)
        => JsonOperands.TypeOf(value) == ExprType.Boolean ? JsonOperands.AsBoolean(value!) : throw Mistyped(arg, "a boolean", JsonOperands.TypeOf(value), value);

    private double Number(Selector arg, JsonNode? value)
        => JsonOperands.TypeOf(value) == ExprType.Number ? JsonOperands.AsNumber(value!) : throw Mistyped(arg, "a number", JsonOperands.TypeOf(value), value);

    private string String(Selector arg, JsonNode? value, string role)
        => JsonOperands.TypeOf(value) == ExprType.String ? JsonOperands.AsString(value!) : throw Mistyped(arg, "a string " + role, JsonOperands.TypeOf(value), value);

    private FlowFaultException Mistyped(Selector arg, string expected, ExprType actual, JsonNode? value)
        => new(NodePath, FlowErrorKinds.Type, $"{arg.ExprPath}: '{OpName(Op)}' needs {expected} here, not the {JsonOperands.Name(actual)} {Show(value)}.");

    /// <summary>A short rendering of a value for a message.</summary>
    private static string Show(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
    }

    /// <summary>The operators by their <c>op</c> name.</summary>
    public static FrozenDictionary<string, SelectorOp> Ops { get; } = new Dictionary<string, SelectorOp>(StringComparer.Ordinal)
    {
        ["path"] = SelectorOp.Path, ["const"] = SelectorOp.Const, ["exists"] = SelectorOp.Exists,
        ["eq"] = SelectorOp.Eq, ["ne"] = SelectorOp.Ne, ["lt"] = SelectorOp.Lt, ["le"] = SelectorOp.Le, ["gt"] = SelectorOp.Gt, ["ge"] = SelectorOp.Ge,
        ["not"] = SelectorOp.Not, ["and"] = SelectorOp.And, ["or"] = SelectorOp.Or,
        ["add"] = SelectorOp.Add, ["sub"] = SelectorOp.Sub, ["mul"] = SelectorOp.Mul, ["div"] = SelectorOp.Div,
        ["len"] = SelectorOp.Len, ["in"] = SelectorOp.In,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static string OpName(SelectorOp op) => Ops.First(p => p.Value == op).Key;

    /// <summary>A fresh node over the constant (each caller gets its own instance).</summary>
    private JsonNode? ConstNode() => CtxValues.Over(_value);
}
