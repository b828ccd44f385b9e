using NATS.Client.Core;

namespace IssueCore.Adapters.Nats.Sinks;

/// <summary>The container-owned connection of the registered sink (kept apart from any connection the application registers).</summary>
internal sealed class NatsSinkConnection(NatsConnection connection) : IAsyncDisposable
{
    public NatsConnection Connection { get; } = connection;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
