namespace IssueCore.Security;

/// <summary>The role/verb policy and the capability-token signing key.</summary>
public sealed class IssueCoreSecurityOptions
{
    /// <summary>The smallest signing key accepted, in bytes.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>
    /// The HMAC-SHA256 key that signs capability tokens, base64-encoded, at least <see cref="MinimumKeyBytes"/>
    /// bytes once decoded. Required (start-up fails without it) unless <see cref="AllowDevelopmentKey"/> is set.
    /// Default: <see langword="null"/>.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// When <see langword="true"/> and no <see cref="SigningKey"/> is set, a random key is generated per
    /// service provider: tokens then die with the process. For development and tests only. Default: <see langword="false"/>.
    /// </summary>
    public bool AllowDevelopmentKey { get; set; }

    /// <summary>
    /// Which verbs each role may perform (role names and verbs compare ordinally). Default:
    /// <c>automate</c> → launch, read_ctx, cancel, resume; <c>operator</c> → launch, attach, read_ctx, cancel, resume, rewind; <c>admin</c> → every built-in verb. Edit it to change the policy.
    /// </summary>
    public IDictionary<string, ISet<string>> RoleVerbs { get; } = new Dictionary<string, ISet<string>>(StringComparer.Ordinal)
    {
        [Roles.Automate] = new HashSet<string>(StringComparer.Ordinal) { Verbs.Launch, Verbs.ReadContext, Verbs.Cancel, Verbs.Resume },
        [Roles.Operator] = new HashSet<string>(StringComparer.Ordinal) { Verbs.Launch, Verbs.Attach, Verbs.ReadContext, Verbs.Cancel, Verbs.Resume, Verbs.Rewind },
        [Roles.Admin] = new HashSet<string>(Verbs.All, StringComparer.Ordinal),
    };
}
