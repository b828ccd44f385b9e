using System.Runtime.CompilerServices;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IssueCore.Adapters.Postgres;

public sealed partial class PostgresIssueStore
{
    // The first back-off after a lost or refused listening connection, doubled per failure up to the longest.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromSeconds(30);

    // How long the listening connection waits for a notification before it checks that the server still answers (a
    // connection that died silently would otherwise wait forever).
    private const int ProbeAfterMilliseconds = 30_000;

    /// <summary>
    /// Watches for issues enqueued into this schema by any process, with PostgreSQL <c>LISTEN</c> on the channel
    /// named for the schema (<see cref="PostgresStoreOptions.NotifyOnEnqueue"/>; when off, the sequence ends at once).
    /// Holds one connection of the data source's pool for as long as it is enumerated. Yields <c>0</c> each time it
    /// starts listening (notifications sent while not listening are lost, so the consumer looks at the queue once),
    /// then one item per batch of notifications the connection delivered, valued with their count (a burst of enqueues
    /// is coalesced into few items, never queued beyond what the server buffers). A lost or refused connection is logged
    /// and reopened after a back-off on the <see cref="TimeProvider"/> (250 ms doubled per failure, at most 30 s); the
    /// sequence ends, without throwing, when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="cancellationToken">Stops the watch and closes its connection.</param>
    /// <returns>The wake-ups.</returns>
    public async IAsyncEnumerable<int> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!_db.NotifyOnEnqueue)
        {
            yield break;
        }

        var channel = _db.EnqueueChannel;
        var delay = FirstRetryDelay;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var listener = await TryListenAsync(channel, failures, cancellationToken).ConfigureAwait(false);
            if (listener is null)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                failures++;
                delay = await BackOffAsync(channel, delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            delay = FirstRetryDelay;
            failures = 0;
            try
            {
                yield return 0;
                while (true)
                {
                    var received = await listener.WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (received < 0)
                    {
                        break;
                    }

                    if (received > 0)
                    {
                        yield return received;
                    }
                }
            }
            finally
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }

            if (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                delay = await BackOffAsync(channel, delay, cancellationToken).ConfigureAwait(false);
            }
        }

        PostgresListenerLog.Stopped(_logger, channel);
    }

    // Waits out one back-off on the clock (cancellation ends it early, quietly) and returns the next, doubled up to the longest.
    private async Task<TimeSpan> BackOffAsync(string channel, TimeSpan delay, CancellationToken cancellationToken)
    {
        PostgresListenerLog.Retrying(_logger, channel, (long)delay.TotalMilliseconds);
        await Task.Delay(delay, _db.TimeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return delay * 2 > LongestRetryDelay ? LongestRetryDelay : delay * 2;
    }

    // Sends the NOTIFY of an enqueue inside the caller's transaction, so it is delivered on commit only.
    private async Task NotifyEnqueuedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string blueprintId, CancellationToken cancellationToken)
    {
        if (!_db.NotifyOnEnqueue)
        {
            return;
        }

        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, tx);
        notify.AddText("channel", _db.EnqueueChannel);
        notify.AddText("payload", blueprintId);
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Listener?> TryListenAsync(string channel, int failures, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var listener = new Listener(connection, _logger, channel);
            await using (var listen = new NpgsqlCommand("LISTEN " + PostgresSchema.Quote(channel), connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            PostgresListenerLog.Listening(_logger, channel, connection.ProcessID, failures);
            return listener;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            PostgresListenerLog.ListenFailed(_logger, channel, ex);
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return null;
        }
    }

    // One listening connection: counts the notifications Npgsql raises while it waits.
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly ILogger _logger;
        private readonly string _channel;
        private int _received;

        public Listener(NpgsqlConnection connection, ILogger logger, string channel)
        {
            _connection = connection;
            _logger = logger;
            _channel = channel;
            _connection.Notification += OnNotification;
        }

        // The number of notifications received (0 after a probe that found the server alive), or -1 when the
        // connection is lost or the wait was cancelled.
        public async Task<int> WaitAsync(CancellationToken cancellationToken)
        {
            try
            {
                if (!await _connection.WaitAsync(ProbeAfterMilliseconds, cancellationToken).ConfigureAwait(false))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", _connection);
                    await probe.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return Interlocked.Exchange(ref _received, 0);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return -1;
            }
            catch (Exception ex) when (PostgresErrors.IsProvider(ex) || ex is InvalidOperationException)
            {
                PostgresListenerLog.ConnectionLost(_logger, _channel, ex);
                return -1;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _connection.Notification -= OnNotification;
            if (_connection.FullState == System.Data.ConnectionState.Open)
            {
                // The connection goes back to the pool: stop listening first, so an idle pooled connection does not
                // keep receiving (and buffering) notifications. A broken connection is never pooled, so it needs none.
                try
                {
                    await using var unlisten = new NpgsqlCommand("UNLISTEN *", _connection);
                    await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (PostgresErrors.IsProvider(ex))
                {
                    PostgresListenerLog.ConnectionLost(_logger, _channel, ex);
                }
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        private void OnNotification(object sender, NpgsqlNotificationEventArgs e) => Interlocked.Increment(ref _received);
    }
}
