namespace IssueCore.Adapters.Nats.Tests;

/// <summary>The real NATS server the tests run against, from <c>ISSUECORE_NATS</c>. Never skipped: without it every test that needs the server fails and says how to start one.</summary>
internal static class NatsTestServer
{
    public const string Variable = "ISSUECORE_NATS";

    public static string Url
    {
        get
        {
            var url = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(url))
            {
                throw new InvalidOperationException(
                    $"{Variable} is not set. These tests need a real NATS server with JetStream on 127.0.0.1. "
                    + "From the repository root run `source .ci/nats.sh start` (installs Debian's nats-server if missing, starts it on "
                    + "127.0.0.1:4333 and exports ISSUECORE_NATS=nats://127.0.0.1:4333), run the tests from that shell, "
                    + "then `.ci/nats.sh stop`.");
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.IsLoopback || uri.Host is "127.0.0.1" or "localhost"))
            {
                throw new InvalidOperationException($"{Variable}='{url}' must be a loopback URL such as nats://127.0.0.1:4333.");
            }

            return url;
        }
    }
}
