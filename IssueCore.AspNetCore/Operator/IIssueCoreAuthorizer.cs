namespace IssueCore.AspNetCore;

/// <summary>
/// Decides whether the caller of an operator endpoint may perform a verb (see <see cref="IssueCoreOperatorVerbs"/>).
/// Register one in the services to replace the default, which lets every key read and only
/// <see cref="IssueCoreOperatorApiOptions.OperatorApiKeys"/> act.
/// </summary>
/// <remarks>
/// It runs after the API key check, so <see cref="IssueCoreOperatorRequest.KeyRole"/> tells which kind of key the
/// caller presented. To use ASP.NET Core policies, call <c>IAuthorizationService.AuthorizeAsync(request.HttpContext.User,
/// policyName)</c> here. A refusal is answered with 403 problem details and logged (event 6311).
/// </remarks>
public interface IIssueCoreAuthorizer
{
    /// <summary>Returns whether the caller may perform <see cref="IssueCoreOperatorRequest.Verb"/>.</summary>
    /// <param name="request">The request, the verb and the role of the key the caller presented.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    ValueTask<bool> IsAllowedAsync(IssueCoreOperatorRequest request, CancellationToken cancellationToken = default);
}
