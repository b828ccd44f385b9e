namespace IssueCore.Ingestion;

/// <summary>Options for ingestion. Validated when the host starts.</summary>
public sealed class IssueIngestionOptions
{
    /// <summary>The default <see cref="MaxBodyBytes"/>: 64 KiB.</summary>
    public const int DefaultMaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The absolute http(s) URL issue links are built from: the issue id is appended as a path
    /// segment. No links are returned when <see langword="null"/> (the default).
    /// </summary>
    public string? IssueBaseUrl { get; set; }

    /// <summary>The backend name returned with every reference. Defaults to <c>issuecore</c>; must not be empty.</summary>
    public string Backend { get; set; } = "issuecore";

    /// <summary>The largest accepted JSON body, in bytes. Defaults to 64 KiB; 1 byte to 16 MiB.</summary>
    public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>
    /// Whether a request without a <c>patch</c> is refused at once (422 over HTTP, error at <c>$.patch</c>, nothing
    /// stored) when no patch spawner serves the dispatcher's setting (<c>AddIssueCorePatchSpawner</c>) and no host
    /// <c>patch-spawner</c> agent is registered. Off by default: such an issue is then stored, and rejected at dispatch
    /// with the reason <c>no patch and no spawner configured</c>, without running the flow. Turn it on where the
    /// ingesting node knows the dispatcher's registrations (the same host, or hosts configured alike).
    /// </summary>
    public bool RefuseWithoutPatchOrSpawner { get; set; }

    /// <summary>
    /// Whether a request must target a Blueprint series that already exists (the default, <see langword="true"/>): a
    /// request for an unknown series is refused with a <see cref="ValidationException"/> naming <c>target_repo</c>
    /// (or <c>blueprint_id</c>), which the HTTP endpoint answers with 422. Set it to <see langword="false"/> on a host
    /// that creates series after their first issue arrives; an issue whose series still does not exist when it is
    /// dispatched is dead-lettered at once. Checked only when an <c>IBlueprintStore</c> is registered.
    /// </summary>
    public bool RequireExistingSeries { get; set; } = true;
}
