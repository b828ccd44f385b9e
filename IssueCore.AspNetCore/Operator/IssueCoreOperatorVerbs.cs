namespace IssueCore.AspNetCore;

/// <summary>The verbs of the operator endpoints and the roles of the API keys, as an <see cref="IIssueCoreAuthorizer"/> sees them.</summary>
public static class IssueCoreOperatorVerbs
{
    /// <summary>Every <c>GET</c> endpoint.</summary>
    public const string Read = "read";

    /// <summary><c>POST /issues/{id}/requeue</c>.</summary>
    public const string Requeue = "issues.requeue";

    /// <summary><c>POST /issues/{id}/approve</c>: approve the change an issue waits with (the key's name is the approver).</summary>
    public const string Approve = "issues.approve";

    /// <summary><c>POST /issues/{id}/reject</c>: reject the change an issue waits with (the key's name is the approver).</summary>
    public const string Reject = "issues.reject";

    /// <summary><c>POST /blueprints/{id}/archive</c>.</summary>
    public const string Archive = "blueprints.archive";

    /// <summary><c>POST /blueprints/{id}/unarchive</c>.</summary>
    public const string Unarchive = "blueprints.unarchive";

    /// <summary>The caller presented a key of <see cref="IssueCoreOperatorApiOptions.ApiKey"/> or <see cref="IssueCoreOperatorApiOptions.ApiKeys"/>.</summary>
    public const string ReaderRole = "reader";

    /// <summary>The caller presented a key of <see cref="IssueCoreOperatorApiOptions.OperatorApiKeys"/>.</summary>
    public const string OperatorRole = "operator";

    /// <summary>No key is configured and <see cref="IssueCoreOperatorApiOptions.AllowAnonymousDevelopment"/> is set.</summary>
    public const string AnonymousRole = "anonymous";
}
