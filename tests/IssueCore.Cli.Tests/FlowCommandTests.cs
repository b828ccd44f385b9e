namespace IssueCore.Cli.Tests;

public sealed class FlowCommandTests
{
    [Fact]
    public async Task Validate_accepts_a_hand_written_blueprint()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", SeededStore.Example("orders.blueprint.json"));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 file(s) valid", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_lists_every_error_with_its_file_and_json_path_and_exits_1()
    {
        using var dir = new TempDirectory();
        var broken = SeededStore.Example("broken.blueprint.json");

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", SeededStore.Example("orders.blueprint.json"), broken);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"{broken}: $.flow.children[0].in.at: ", r.Output, StringComparison.Ordinal);
        Assert.Contains($"{broken}: $.flow.children[0].ref: ", r.Output, StringComparison.Ordinal);
        Assert.Contains($"{broken}: $.agents[0].spec.source: ", r.Output, StringComparison.Ordinal);
        Assert.Contains("3 error(s) in 1 of 2 file(s)", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_as_json_reports_each_file_and_error_path()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", "--json", SeededStore.Example("broken.blueprint.json"));

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.False((bool)r.Json["valid"]!);
        var errors = r.Json["files"]![0]!["errors"]!.AsArray().Select(e => (string?)e!["path"]).ToList();
        Assert.Equal(["$.flow.children[0].in.at", "$.flow.children[0].ref", "$.agents[0].spec.source"], errors);
    }

    [Fact]
    public async Task Validate_prints_expression_condition_and_unknown_member_errors_with_their_node_and_member()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("strict.json", """
            {"id":"orders","agents":[],"flow":{"kind":"seq","children":[
              {"kind":"fanout","items":"$.xs","bind":"$.x","max_paralel":2,"body":{"kind":"seq","children":[]}},
              {"kind":"branch","cond":{"op":"const","value":"false"},"then":{"kind":"seq","children":[]}},
              {"kind":"assign","at":"$.n","value":{"op":"len","args":[{"op":"const","value":5}]}},
              {"kind":"assign","at":"$.m","value":{"op":"eq","args":[{"op":"const","value":1}]}},
              {"kind":"branch","cond":{"op":"ge","args":[{"op":"len","args":[{"op":"path","at":"$.xs"}]},{"op":"const","value":2}]},"then":{"kind":"seq","children":[]}}
            ]}}
            """);

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", file);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"{file}: $.flow.children[0].max_paralel: Unknown member 'max_paralel' in a fanout node at $.flow.children[0]", r.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}: $.flow.children[1].cond: A condition must be a boolean", r.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}: $.flow.children[2].value.args[0]: 'len' needs a string, an array or an object here", r.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}: $.flow.children[3].value.args: 'eq' takes exactly two operands, not 1.", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("$.flow.children[4]", r.Output, StringComparison.Ordinal);
        Assert.Contains("4 error(s) in 1 of 1 file(s)", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_names_the_line_of_a_json_syntax_error()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("cut.json", "{\n  \"id\": \"orders\",\n  \"flow\": {\n");

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", file);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"{file}: ", r.Output, StringComparison.Ordinal);
        Assert.Contains("Not valid JSON (line 4", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_of_a_missing_file_exits_3_and_names_it()
    {
        using var dir = new TempDirectory();

        var r = await CliProcess.RunAsync(dir.Path, "flow", "validate", "nowhere.json");

        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("nowhere.json: $: The file does not exist.", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_reports_the_verdicts_and_diff_of_a_good_patch_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        var db = dir.File("store.db");
        await SeededStore.CreateAsync(db);
        var versions = await SeededStore.CountVersionsAsync(db);
        var issues = await SeededStore.CountIssuesAsync(db);
        var patch = dir.Write("p.json", """[{"op":"add","path":"/metadata/region","value":"eu"}]""");

        var r = await CliProcess.RunAsync(dir.Path, "flow", "try", "--blueprint", "orders", "--patch", patch, "--db", db, "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("applied", (string?)r.Json["outcome"]);
        Assert.Equal(["des", "canonical", "noop", "agent-ref"], r.Json["verdicts"]!.AsArray().Select(v => (string?)v!["axis"]));
        Assert.All(r.Json["verdicts"]!.AsArray(), v => Assert.Equal("pass", (string?)v!["status"]));
        Assert.Contains(r.Json["diff"]!.AsArray(), op => (string?)op!["path"] == "/metadata/region" && (string?)op["op"] == "add");
        Assert.Equal(versions, await SeededStore.CountVersionsAsync(db));
        Assert.Equal(issues, await SeededStore.CountIssuesAsync(db));
    }

    [Fact]
    public async Task Try_of_a_patch_an_axis_denies_exits_1_with_the_reason()
    {
        using var dir = new TempDirectory();
        var db = dir.File("store.db");
        await SeededStore.CreateAsync(db);

        var r = await CliProcess.RunAsync(dir.Path, "flow", "try", "--blueprint", "orders", "--patch", SeededStore.Example("bad-label.patch.json"), "--db", db);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("rejected", r.Output, StringComparison.Ordinal);
        Assert.Contains("des        deny", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_of_a_malformed_patch_names_the_file_and_the_operation()
    {
        using var dir = new TempDirectory();
        var db = dir.File("store.db");
        await SeededStore.CreateAsync(db);
        var patch = dir.Write("p.json", """[{"op":"replace","path":"metadata"}]""");

        var r = await CliProcess.RunAsync(dir.Path, "flow", "try", "--blueprint", "orders", "--patch", patch, "--db", db);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"{patch}: $[0].path: ", r.Error, StringComparison.Ordinal);
        Assert.Contains($"{patch}: $[0].value: ", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_against_a_missing_blueprint_exits_3()
    {
        using var dir = new TempDirectory();
        var db = dir.File("store.db");
        await SeededStore.CreateAsync(db);

        var r = await CliProcess.RunAsync(dir.Path, "flow", "try", "--blueprint", "nothing-here", "--patch", SeededStore.Example("owner.patch.json"), "--db", db);

        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("nothing-here", r.Error, StringComparison.Ordinal);
    }
}
