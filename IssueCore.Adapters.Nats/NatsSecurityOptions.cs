namespace IssueCore.Adapters.Nats;

/// <summary>
/// How a NATS connection of IssueCore (the ingestion consumer, the issue sink) authenticates and
/// encrypts: at most one of a credentials file (NKey + JWT), an NKey seed, a user and password, or a
/// token; TLS with an optional custom CA and client certificate. Every member binds from
/// configuration (for example <c>IssueCore:Nats:Security:CredsFile</c>). Nothing set (the default)
/// connects without credentials and uses TLS only when the server asks for it; use that on loopback
/// only.
/// </summary>
/// <remarks>
/// The server decides what a client may publish and subscribe to. Give the ingestion consumer and
/// each publisher their own NATS user, and allow publishing on the ingestion subjects
/// (<c>act.tasks.create.&gt;</c> by default) only to the publishers (see README, "NATS security").
/// </remarks>
public sealed class NatsSecurityOptions
{
    /// <summary>A NATS credentials file (<c>.creds</c>: a user JWT and its NKey seed), as issued by an operator. Default: none.</summary>
    public string? CredsFile { get; set; }

    /// <summary>A file holding an NKey user seed (<c>SU…</c>), for NKey authentication without a JWT. Default: none.</summary>
    public string? NKeyFile { get; set; }

    /// <summary>The user name for user and password authentication (with <see cref="Password"/>). Default: none.</summary>
    public string? Username { get; set; }

    /// <summary>The password for <see cref="Username"/>. Default: none. Keep it out of source: bind it from a secret store.</summary>
    public string? Password { get; set; }

    /// <summary>A token for token authentication. Default: none. Keep it out of source: bind it from a secret store.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Whether TLS is required: the connection fails when the server does not offer it. Defaults to
    /// <see langword="false"/> (TLS when the server asks for it, or when a URL uses <c>tls://</c>, or a
    /// CA or client certificate is set). Set it for every connection that leaves the host.
    /// </summary>
    public bool RequireTls { get; set; }

    /// <summary>A PEM file with the CA certificate(s) that sign the server's certificate, instead of the system's trust store. Default: none.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>A PEM file with the client certificate, for servers that verify clients (with <see cref="TlsKeyFile"/>). Default: none.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>A PEM file with the client certificate's private key. Default: none.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Whether any credential or TLS setting is set.</summary>
    internal bool IsEmpty => CredsFile is null && NKeyFile is null && Username is null && Password is null && Token is null
                             && !RequireTls && TlsCaFile is null && TlsCertFile is null && TlsKeyFile is null;
}
