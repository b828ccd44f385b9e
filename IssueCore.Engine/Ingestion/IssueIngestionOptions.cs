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
}
