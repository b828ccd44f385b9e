using System.Text.Json.Nodes;

namespace IssueCore.Cli.Tests;

public sealed class StoreCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private string _db = string.Empty;
    private string _applied = string.Empty;
    private string _rejected = string.Empty;

    public async Task InitializeAsync()
    {
        _db = _dir.File("store.db");
        var (applied, rejected) = await SeededStore.CreateAsync(_db);
        _applied = applied.Value;
        _rejected = rejected.Value;
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliProcess.Result> Run(params string[] args) => CliProcess.RunAsync(_dir.Path, [.. args, "--db", _db]);

    private static async Task<JsonNode> JsonOf(Task<CliProcess.Result> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Json;
    }

    [Fact]
    public async Task Blueprint_list_shows_every_series_with_its_head()
    {
        var table = await Run("blueprint", "list");
        var json = await JsonOf(Run("blueprint", "list", "--json"));

        Assert.Contains("orders", table.Output, StringComparison.Ordinal);
        Assert.Contains("enhance-default", table.Output, StringComparison.Ordinal);
        var orders = Assert.Single(json.AsArray(), b => (string?)b!["id"] == "orders")!;
        Assert.Equal("1.0.1", (string?)orders["version_label"]);
    }

    [Fact]
    public async Task Blueprint_list_hides_an_archived_series_unless_all_is_given()
    {
        await using (var provider = SeededStore.Open(_db))
        {
            await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IssueCore.Blueprints.IBlueprintStore>(provider)
                .SetArchivedAsync(IssueCore.Blueprints.BlueprintId.Parse("orders"), true);
        }

        var hidden = await JsonOf(Run("blueprint", "list", "--json"));
        var all = await JsonOf(Run("blueprint", "list", "--all", "--json"));

        Assert.DoesNotContain(hidden.AsArray(), b => (string?)b!["id"] == "orders");
        Assert.Contains(hidden.AsArray(), b => (string?)b!["id"] == "enhance-default");
        var orders = Assert.Single(all.AsArray(), b => (string?)b!["id"] == "orders")!;
        Assert.True((bool?)orders["archived"]);
    }

    [Fact]
    public async Task Blueprint_history_lists_the_issue_commit_newest_first()
    {
        var json = (await JsonOf(Run("blueprint", "history", "orders", "--json"))).AsArray();
        var table = await Run("blueprint", "history", "orders");

        Assert.Equal(2, json.Count);
        Assert.Equal(_applied, (string?)json[0]!["issue_id"]);
        Assert.Equal("seed", (string?)json[1]!["origin"]);
        Assert.Contains(_applied, table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blueprint_show_prints_the_head_or_a_version_given_by_prefix()
    {
        var history = (await JsonOf(Run("blueprint", "history", "orders", "--json"))).AsArray();
        var first = (string)history[1]!["version"]!;

        var head = await JsonOf(Run("blueprint", "show", "orders", "--json"));
        var old = await JsonOf(Run("blueprint", "show", "orders", "--version", first[..8], "--json"));

        Assert.Equal("team-b", (string?)head["blueprint"]!["metadata"]!["owner"]);
        Assert.Equal(first, (string?)old["version"]);
        Assert.Equal("team-a", (string?)old["blueprint"]!["metadata"]!["owner"]);
    }

    [Fact]
    public async Task Blueprint_diff_gives_the_patch_and_the_side_by_side_view()
    {
        var history = (await JsonOf(Run("blueprint", "history", "orders", "--json"))).AsArray();
        var (from, to) = ((string)history[1]!["version"]!, (string)history[0]!["version"]!);

        var json = await JsonOf(Run("blueprint", "diff", "orders", from, to, "--json"));
        var text = await Run("blueprint", "diff", "orders", from[..6], to[..6]);

        var patch = json["patch"]!.AsArray();
        Assert.Contains(patch, op => (string?)op!["path"] == "/metadata/owner" && (string?)op["value"] == "team-b");
        Assert.Contains(patch, op => (string?)op!["path"] == "/metadata/version_label" && (string?)op["value"] == "1.0.1");
        Assert.Contains("/metadata/owner", text.Output, StringComparison.Ordinal);
        Assert.Contains("\"team-a\"", text.Output, StringComparison.Ordinal);
        Assert.Contains("RFC 6902 patch:", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blueprint_show_of_an_unknown_series_exits_3()
    {
        var r = await Run("blueprint", "show", "nope");

        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("nope", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blueprint_import_starts_a_series_and_refuses_an_existing_one()
    {
        var file = _dir.Write("stock.json", """{"id":"stock","metadata":{"version_label":"0.1.0"},"agents":[],"flow":{"kind":"seq","children":[]}}""");

        var created = await JsonOf(Run("blueprint", "import", file, "--json"));
        var again = await Run("blueprint", "import", file);

        Assert.Equal("stock", (string?)created["id"]);
        Assert.True(again.ExitCode == 5, again.ToString());
        Assert.Contains("$.id", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_list_filters_by_status()
    {
        var all = await JsonOf(Run("issue", "list", "--json"));
        var rejected = await JsonOf(Run("issue", "list", "--status", "rejected", "--json"));

        Assert.Equal(2, all["issues"]!.AsArray().Count);
        Assert.Equal(_rejected, (string?)Assert.Single(rejected["issues"]!.AsArray())!["id"]);
    }

    [Fact]
    public async Task Issue_show_includes_the_log_entry_and_its_verdicts()
    {
        var json = await JsonOf(Run("issue", "show", _rejected, "--json"));
        var text = await Run("issue", "show", _rejected);

        Assert.Equal("rejected", (string?)json["status"]);
        Assert.Equal("deny", (string?)json["log"]!["verdicts"]!.AsArray().Single(v => (string?)v!["axis"] == "des")!["status"]);
        Assert.Contains("des", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_lists_each_outcome_and_filters_by_blueprint()
    {
        var all = (await JsonOf(Run("log", "--json"))).AsArray();
        var other = (await JsonOf(Run("log", "--blueprint", "enhance-default", "--json"))).AsArray();

        Assert.Equal(["applied", "rejected"], all.Select(e => (string?)e!["outcome"]));
        Assert.Empty(other);
    }

    [Fact]
    public async Task Run_list_show_and_events_read_the_recorded_flow_runs()
    {
        var runs = (await JsonOf(Run("run", "list", "--json"))).AsArray();
        Assert.Equal(2, runs.Count);
        var id = (string)runs[0]!["id"]!;

        var show = await JsonOf(Run("run", "show", id, "--json"));
        var events = (await JsonOf(Run("run", "events", id, "--json"))).AsArray();
        var followed = await Run("run", "events", id, "--follow");

        Assert.Equal("completed", (string?)show["status"]);
        Assert.Equal((int)show["events"]!, events.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => (long)e!["sequence"]!));
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Contains("SEQ", followed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_requeue_sends_a_rejected_issue_back_once()
    {
        var first = await JsonOf(Run("issue", "requeue", _rejected, "--by", "ops", "--json"));
        var second = await Run("issue", "requeue", _rejected);
        var applied = await Run("issue", "requeue", _applied);

        Assert.True((bool)first["requeued"]!);
        Assert.Equal("pending", (string?)first["status"]);
        Assert.True(second.ExitCode == 5, second.ToString());
        Assert.True(applied.ExitCode == 5, applied.ToString());
        Assert.Contains("applied", applied.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_approve_commits_a_waiting_change_once_and_reject_of_an_issue_that_does_not_wait_is_exit_5()
    {
        var waiting = await SeededStore.ParkForApprovalAsync(_db, "team-approved");
        var listed = await JsonOf(Run("issue", "list", "--status", "awaitingapproval", "--json"));

        var approved = await JsonOf(Run("issue", "approve", waiting.Value, "--by", "ops", "--note", "fine", "--json"));
        var again = await Run("issue", "approve", waiting.Value);
        var notWaiting = await Run("issue", "reject", _applied);

        Assert.Equal(waiting.Value, (string?)Assert.Single(listed["issues"]!.AsArray())!["id"]);
        Assert.Equal("applied", (string?)approved["status"]);
        Assert.Equal("ops", (string?)approved["decided_by"]);
        Assert.True(again.ExitCode == 5, again.ToString());
        Assert.True(notWaiting.ExitCode == 5, notWaiting.ToString());
        Assert.Contains("not waiting for approval", notWaiting.Error, StringComparison.Ordinal);
        Assert.Equal(3, await SeededStore.CountVersionsAsync(_db));
    }

    [Fact]
    public async Task Issue_reject_ends_a_waiting_change_rejected_with_the_note()
    {
        var waiting = await SeededStore.ParkForApprovalAsync(_db, "team-rejected");

        var rejected = await JsonOf(Run("issue", "reject", waiting.Value, "--by", "ops", "--note", "not now", "--json"));

        Assert.Equal("rejected", (string?)rejected["status"]);
        Assert.Equal("rejected by ops: not now", (string?)rejected["reason"]);
        Assert.Equal(2, await SeededStore.CountVersionsAsync(_db));
    }

    [Fact]
    public async Task A_malformed_id_argument_is_a_usage_error_naming_the_argument()
    {
        var r = await Run("issue", "show", "not an id!");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("ID: 'not an id!'", r.Error, StringComparison.Ordinal);
    }
}
