namespace IssueCore.Security;

/// <summary>The built-in caller roles. Hosts may add their own in <see cref="IssueCoreSecurityOptions.RoleVerbs"/>.</summary>
public static class Roles
{
    /// <summary>An automated dispatcher: launches flows and follows their runs.</summary>
    public const string Automate = "automate";

    /// <summary>A human operator: may also attach to, resume and rewind runs.</summary>
    public const string Operator = "operator";

    /// <summary>May do everything.</summary>
    public const string Admin = "admin";
}
