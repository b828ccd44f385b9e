using IssueCore.AspNetCore.Problems;
using IssueCore.AspNetCore.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Operator;

/// <summary>Authenticates by API key, names the key's role, and asks the authorizer about the verb.</summary>
internal sealed class OperatorGate(ApiKeyAuthenticator readers, ApiKeyAuthenticator operators, bool anonymous)
{
    /// <summary>The header a caller may name itself with for the history and the log (at most 64 printable characters).</summary>
    internal const string OperatorHeader = "X-IssueCore-Operator";

    /// <summary>
    /// Returns the caller when it may perform <paramref name="verb"/>; otherwise writes 401 (no valid key) or 403
    /// (not allowed) and returns <see langword="null"/>.
    /// </summary>
    public async Task<OperatorCaller?> AdmitAsync(HttpContext context, string verb, string target)
    {
        string role;
        if (anonymous)
        {
            role = IssueCoreOperatorVerbs.AnonymousRole;
        }
        else if (operators.HasKeys && operators.IsAuthorized(context.Request))
        {
            role = IssueCoreOperatorVerbs.OperatorRole;
        }
        else if (readers.HasKeys && readers.IsAuthorized(context.Request))
        {
            role = IssueCoreOperatorVerbs.ReaderRole;
        }
        else
        {
            await Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid API key is required (Authorization: Bearer <key> or X-API-Key).").ConfigureAwait(false);
            return null;
        }

        var caller = new OperatorCaller(NameOf(context, role), role);
        var request = new IssueCoreOperatorRequest(context, verb, role);
        var authorizer = context.RequestServices.GetService<IIssueCoreAuthorizer>();
        var allowed = authorizer is not null
            ? await authorizer.IsAllowedAsync(request, context.RequestAborted).ConfigureAwait(false)
            : verb == IssueCoreOperatorVerbs.Read || role is IssueCoreOperatorVerbs.OperatorRole or IssueCoreOperatorVerbs.AnonymousRole;
        if (allowed)
        {
            return caller;
        }

        if (verb != IssueCoreOperatorVerbs.Read)
        {
            OperatorLog.Refused(LoggerOf(context), verb, target, caller.Name, role);
        }

        await Problem.WriteAsync(context, StatusCodes.Status403Forbidden, $"The caller may not perform '{verb}'.").ConfigureAwait(false);
        return null;
    }

    internal static ILogger LoggerOf(HttpContext context)
        => context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("IssueCore.AspNetCore.OperatorApi") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static string NameOf(HttpContext context, string role)
    {
        var header = context.Request.Headers[OperatorHeader];
        if (header.Count == 1 && header[0] is { Length: > 0 and <= 64 } named && !named.Any(char.IsControl))
        {
            return named;
        }

        return context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } user } ? user : role + "-key";
    }
}
