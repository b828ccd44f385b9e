using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace IssueCore.Adapters.Nats;

/// <summary>Builds the client options of IssueCore's NATS connections and checks their security settings.</summary>
internal static class NatsConnectionOptions
{
    /// <summary>The client options for a connection to <paramref name="url"/> named <paramref name="name"/>.</summary>
    public static NatsOpts Build(string url, string name, NatsSecurityOptions? security, ILoggerFactory loggerFactory)
    {
        security ??= new NatsSecurityOptions();
        var auth = NatsAuthOpts.Default with
        {
            CredsFile = security.CredsFile,
            NKeyFile = security.NKeyFile,
            Username = security.Username,
            Password = security.Password,
            Token = security.Token,
        };
        var tls = NatsTlsOpts.Default with
        {
            Mode = security.RequireTls ? TlsMode.Require : TlsMode.Auto,
            CaFile = security.TlsCaFile,
            CertFile = security.TlsCertFile,
            KeyFile = security.TlsKeyFile,
        };
        return NatsOpts.Default with
        {
            Url = url,
            Name = name,
            AuthOpts = auth,
            TlsOpts = tls,
            LoggerFactory = loggerFactory,
        };
    }

    /// <summary>Every problem with the security settings, each naming the member (prefixed by <paramref name="prefix"/>).</summary>
    public static IEnumerable<string> Failures(NatsSecurityOptions? security, string prefix)
    {
        if (security is null)
        {
            yield return $"{prefix} must not be null.";
            yield break;
        }

        var methods = new[] { security.CredsFile, security.NKeyFile, security.Username ?? security.Password, security.Token }.Count(v => v is not null);
        if (methods > 1)
        {
            yield return $"{prefix}: set at most one of CredsFile, NKeyFile, Username/Password and Token.";
        }

        if ((security.Username is null) != (security.Password is null))
        {
            yield return $"{prefix}.Username and {prefix}.Password must be set together.";
        }

        if (security.Username is { Length: 0 } || security.Token is { Length: 0 })
        {
            yield return $"{prefix}.Username and {prefix}.Token must not be empty when set.";
        }

        if ((security.TlsCertFile is null) != (security.TlsKeyFile is null))
        {
            yield return $"{prefix}.TlsCertFile and {prefix}.TlsKeyFile must be set together.";
        }

        foreach (var (name, path) in new[]
                 {
                     ("CredsFile", security.CredsFile), ("NKeyFile", security.NKeyFile), ("TlsCaFile", security.TlsCaFile),
                     ("TlsCertFile", security.TlsCertFile), ("TlsKeyFile", security.TlsKeyFile),
                 })
        {
            if (path is not null && !File.Exists(path))
            {
                yield return $"{prefix}.{name} '{path}' does not exist.";
            }
        }
    }
}
