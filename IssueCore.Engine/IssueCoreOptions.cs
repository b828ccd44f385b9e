using IssueCore.Security;

namespace IssueCore;

/// <summary>
/// The root options of IssueCore, configured with <c>services.AddIssueCore(o => …)</c> and validated at
/// start-up (a missing signing key fails the host's start with an <c>OptionsValidationException</c>).
/// </summary>
public sealed class IssueCoreOptions
{
    /// <summary>How long a flow run may take when the launch request gives no TTL. Default: 5 minutes.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a hosted service marks every run left <c>Running</c> as <c>Interrupted</c> when the host starts, so it
    /// can be resumed. Turn it off when several processes share one council repository. Default: <see langword="true"/>.
    /// </summary>
    public bool MarkInterruptedRunsOnStart { get; set; } = true;

    /// <summary>The role/verb policy and the capability-token signing key.</summary>
    public IssueCoreSecurityOptions Security { get; } = new();
}
