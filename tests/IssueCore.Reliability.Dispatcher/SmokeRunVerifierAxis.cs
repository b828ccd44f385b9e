using System.Text.Json.Nodes;
using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;
using IssueCore.Launch;
using IssueCore.Security;

namespace IssueCore.Reliability.Dispatcher;

/// <summary>
/// <c>smoke</c>: runs the proposed Blueprint's flow once, in the Lua sandbox under its budgets, and denies the change
/// when a step fails; a script stopped by a budget is denied with the budget's name (a typed reason).
/// </summary>
internal sealed class SmokeRunVerifierAxis(TaskLaunchService launcher) : IVerifierAxis
{
    public const string Name = "smoke";

    public async ValueTask<VerdictSummary> VerifyAsync(VerifierContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var result = await launcher.LaunchAsync(
                new LaunchRequest
                {
                    Flow = context.Proposed,
                    InitialContext = new JsonObject { ["smoke"] = true },
                    OperatorId = "smoke-verifier",
                    Role = Roles.Automate,
                    Ttl = TimeSpan.FromSeconds(20),
                    Subject = "smoke:" + context.IssueId?.Value,
                },
                cancellationToken).ConfigureAwait(false);
            return new VerdictSummary(context.Axis, VerdictStatus.Pass, "ran as run " + result.RunId);
        }
        catch (Exception ex) when (Find<ScriptException>(ex) is { } script)
        {
            var kind = script.Limit == ScriptLimit.None ? "error" : script.Limit.ToString();
            return new VerdictSummary(context.Axis, VerdictStatus.Deny, $"script {kind}: {Truncate(script.ScriptMessage)}");
        }
        catch (FlowExecutionException ex)
        {
            return new VerdictSummary(context.Axis, VerdictStatus.Deny, $"flow {ex.ErrorKind}: {Truncate(ex.Message)}");
        }
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
