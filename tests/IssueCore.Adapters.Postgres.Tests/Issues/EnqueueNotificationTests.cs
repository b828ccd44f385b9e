using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IssueCore.Adapters.Postgres.Tests.Issues;

/// <summary>
/// Cross-process wake-up with LISTEN/NOTIFY: two hosts (each its own service provider and connection pool) on one schema,
/// the dispatching host polling only every ten minutes, so within the tests' bounds only a notification can wake it.
/// </summary>
public sealed class EnqueueNotificationTests : IAsyncLifetime
{
    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly BlueprintId Series = BlueprintId.Parse("notified");

    // Generous bounds on waits for something that takes milliseconds; never a timing assertion.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly PostgresTestSchema _schema = new();

    private string Channel => _schema.Name + ".enqueued";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task An_issue_enqueued_through_another_hosts_store_is_dispatched_without_waiting_for_the_poll()
    {
        var state = await EnqueueOnHostADispatchOnHostBAsync((_, _) => Task.CompletedTask);

        Assert.Equal(IssueState.Applied, state);
    }

    [Fact]
    public async Task Only_committed_enqueues_notify_rolled_back_and_duplicate_creates_notify_nobody()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var ct = timeout.Token;
        var db = await _schema.CreateDatabaseAsync(TimeProvider.System);
        var store = new PostgresIssueStore(db);
        await _schema.ExecuteAsync(
            """
            CREATE FUNCTION {schema}.refuse_issue() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN IF NEW.intent = 'roll back' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_issue AFTER INSERT ON {schema}.issues FOR EACH ROW EXECUTE FUNCTION {schema}.refuse_issue();
            """);
        await using var listener = await ListenAsync(ct);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);

        // The trigger fails the insert after the NOTIFY was queued in the same statement: the rollback discards both.
        await Assert.ThrowsAnyAsync<StorageException>(() => store.CreateAsync(AddDraft("roll back"), ct));
        var first = await store.CreateAsync(AddDraft("kept", key: "evt-1"), ct);
        var duplicate = await store.CreateAsync(AddDraft("kept again", key: "evt-1"), ct);
        await SendAsync("sentinel", ct);
        while (!payloads.Contains("sentinel"))
        {
            await listener.WaitAsync(ct);
        }

        Assert.True(first.Created);
        Assert.False(duplicate.Created);
        Assert.Equal([Series.Value, "sentinel"], payloads);
    }

    [Fact]
    public async Task A_requeue_notifies_and_with_notify_off_nothing_is_sent_and_the_watch_ends_at_once()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var ct = timeout.Token;
        var on = new PostgresIssueStore(await _schema.CreateDatabaseAsync(TimeProvider.System));
        await using var offSource = _schema.NewDataSource();
        var off = new PostgresIssueStore(new PostgresDatabase(offSource, new PostgresStoreOptions { Schema = _schema.Name, NotifyOnEnqueue = false }, TimeProvider.System));
        var dead = (await on.CreateAsync(AddDraft("dead letter"), ct)).Issue.Id;
        var claimed = await on.ClaimNextAsync("test", TimeSpan.FromMinutes(5), ct);
        Assert.NotNull(claimed);
        await on.CompleteAsync(claimed.Id, "test", IssueStatus.Failed("broken"), ct);
        await using var listener = await ListenAsync(ct);
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);

        await off.CreateAsync(AddDraft("quiet"), ct);
        var requeued = await on.RequeueAsync(dead, "operator", ct);
        await SendAsync("sentinel", ct);
        while (!payloads.Contains("sentinel"))
        {
            await listener.WaitAsync(ct);
        }

        Assert.True(requeued.Requeued);
        Assert.Equal([Series.Value, "sentinel"], payloads);
        await using var watch = off.WatchAsync(ct).GetAsyncEnumerator(ct);
        Assert.False(await watch.MoveNextAsync());
    }

    [Fact]
    public async Task The_watch_listens_again_after_its_connection_is_terminated_and_a_later_enqueue_still_wakes_the_other_host()
    {
        int? second = null;

        var state = await EnqueueOnHostADispatchOnHostBAsync(async (first, ct) =>
        {
            await TerminateAsync(first, ct);
            second = await WaitForListenerAsync(exceptPid: first, ct);
        });

        Assert.NotNull(second);
        Assert.Equal(IssueState.Applied, state);
    }

    [Fact]
    public async Task Cancelling_the_dispatch_loop_stops_the_watch_and_closes_its_connection()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var ct = timeout.Token;
        await using var host = NewHost("host-b");
        await host.GetRequiredService<PostgresDatabase>().MigrateAsync(ct);
        using var stop = new CancellationTokenSource();
        var running = host.GetRequiredService<EnhanceApplication>().RunAsync(stop.Token);
        await WaitForListenerAsync(exceptPid: null, ct);

        await stop.CancelAsync();
        await running.WaitAsync(ct);

        while (await FindListenerAsync(exceptPid: null, ct) is not null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, ct);
        }

        Assert.True(running.IsCompletedSuccessfully);
    }

    // Host B dispatches with a ten-minute poll; once it listens (and `beforeEnqueue` has run with its listener's
    // backend pid), host A creates an issue through its own store. Returns the issue's state once host B is idle,
    // which within the bound only a notification can bring about.
    private async Task<IssueState> EnqueueOnHostADispatchOnHostBAsync(Func<int, CancellationToken, Task> beforeEnqueue)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var ct = timeout.Token;
        await using var hostA = await NewSeededHostAsync("host-a", ct);
        await using var hostB = NewHost("host-b");
        var appB = hostB.GetRequiredService<EnhanceApplication>();
        using var stop = new CancellationTokenSource();
        var running = appB.RunAsync(stop.Token);
        var listener = await WaitForListenerAsync(exceptPid: null, ct);
        await WaitForQuietLoopAsync(appB, ct);
        await beforeEnqueue(listener, ct);
        await WaitForQuietLoopAsync(appB, ct);

        var created = await hostA.GetRequiredService<IIssueStore>().CreateAsync(AddDraft("from host A"), ct);
        await appB.WaitUntilIdleAsync(ct);

        var state = (await hostB.GetRequiredService<IIssueStore>().GetAsync(created.Issue.Id, ct)).Status.State;
        await stop.CancelAsync();
        await running.WaitAsync(ct);
        return state;
    }

    // The loop has ticked (its start, and the wake-up each (re)connected watch yields) and now waits: from here on only a
    // wake-up makes it tick before the ten-minute poll. Seen idle twice, 50 ms apart, so a wake-up already signalled
    // but not yet taken is not mistaken for quiet (this only orders the test; nothing is asserted on time).
    private static async Task WaitForQuietLoopAsync(EnhanceApplication app, CancellationToken ct)
    {
        var quiet = 0;
        while (quiet < 2)
        {
            quiet = app.Activity.LastPollAt is not null && app.Activity.OldestTickStartedAt is null ? quiet + 1 : 0;
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, ct);
        }
    }

    private ServiceProvider NewHost(string name)
    {
        var services = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = SigningKey)
            .UsePostgres(o =>
            {
                o.ConnectionString = $"{_schema.ConnectionString};Application Name={name}";
                o.Schema = _schema.Name;
            });
        services.Configure<EnhanceApplicationOptions>(o =>
        {
            o.DispatcherId = name;
            o.MaxConcurrentDispatches = 1;
            o.PollInterval = TimeSpan.FromMinutes(10);
        });
        return services.BuildServiceProvider();
    }

    private async Task<ServiceProvider> NewSeededHostAsync(string name, CancellationToken ct)
    {
        var host = NewHost(name);
        await host.GetRequiredService<EnhanceApplication>().InstallDefaultFlowAsync(ct);
        await host.GetRequiredService<IBlueprintStore>().WriteNewAsync(Series, Seed(), [], new CommitMetadata("seed", Origin: "seed"), ct);
        return host;
    }

    private static IssueDraft AddDraft(string intent, string? key = null) => new()
    {
        BlueprintId = Series,
        Intent = intent,
        IdempotencyKey = key,
        Patch = JsonDocument.Parse($$"""[{"op":"add","path":"/metadata/n{{Guid.NewGuid():N}}","value":1}]""").RootElement.Clone(),
    };

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(_schema.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var listen = new NpgsqlCommand($"LISTEN \"{Channel}\"", connection);
        await listen.ExecuteNonQueryAsync(ct);
        return connection;
    }

    private async Task SendAsync(string payload, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@c, @p)", connection);
        notify.Parameters.AddWithValue("c", Channel);
        notify.Parameters.AddWithValue("p", payload);
        await notify.ExecuteNonQueryAsync(ct);
    }

    // The backend of a connection of the stores (not the tests' own) that listens on the schema's channel.
    private async Task<int?> FindListenerAsync(int? exceptPid, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var find = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE query = @q AND application_name LIKE 'host-%' AND pid <> @except AND state = 'idle' LIMIT 1",
            connection);
        find.Parameters.AddWithValue("q", $"LISTEN \"{Channel}\"");
        find.Parameters.AddWithValue("except", exceptPid ?? 0);
        return await find.ExecuteScalarAsync(ct) is int pid ? pid : null;
    }

    private async Task<int> WaitForListenerAsync(int? exceptPid, CancellationToken ct)
    {
        while (true)
        {
            if (await FindListenerAsync(exceptPid, ct) is { } pid)
            {
                return pid;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, ct);
        }
    }

    private async Task TerminateAsync(int pid, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        terminate.Parameters.AddWithValue("pid", pid);
        Assert.Equal(true, await terminate.ExecuteScalarAsync(ct));
    }

    private static Blueprint Seed() => Blueprint.Parse($$$"""
        {"id":"{{{Series.Value}}}","metadata":{"version_label":"1.0.0","owner":"team-a"},
         "agents":[{"name":"price","kind":"lua","spec":{"source":"return {ok = true, value = 42}"}}],
         "flow":{"kind":"seq","children":[{"kind":"step","ref":"price","in":{"op":"path","at":"$"},"out":"$.price"}]}}
        """);
}
