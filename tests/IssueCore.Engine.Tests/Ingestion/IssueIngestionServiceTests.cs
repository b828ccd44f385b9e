using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Ingestion;

public sealed class IssueIngestionServiceTests
{
    [Fact]
    public async Task Valid_wire_request_is_enqueued_as_a_pending_issue_with_every_field_mapped()
    {
        using var fixture = new IngestionFixture();

        var result = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));

        Assert.True(result.Created);
        Assert.Equal("issuecore", result.Backend);
        Assert.Null(result.IssueUrl);
        var issue = await fixture.Store.GetAsync(result.IssueId);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Equal(BlueprintId.Parse("activity-core"), issue.BlueprintId);
        Assert.Equal("Run SBOM rescan for activity-core", issue.Title);
        Assert.Equal("Run SBOM rescan for activity-core", issue.Intent);
        Assert.Equal(IssuePriority.Medium, issue.Priority);
        Assert.Equal(["sbom", "security", "automated"], issue.Labels);
        Assert.Null(issue.DueAt);
        Assert.Equal(new IssueSource(IssueSourceType.Rule, "flag-stale-sbom", "event-or-schedule-key", "activity-definition-uuid"), issue.Source);
        Assert.Equal("event-or-schedule-key", issue.IdempotencyKey);
    }

    [Fact]
    public async Task Typed_request_maps_due_days_from_the_clock_and_composes_the_intent()
    {
        using var fixture = new IngestionFixture();

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest());

        var issue = await fixture.Store.GetAsync(result.IssueId);
        Assert.Equal(fixture.Time.GetUtcNow().AddDays(7), issue.DueAt);
        Assert.Equal("Bump the SBOM scanner\n\nThe scanner is stale.", issue.Intent);
        Assert.Equal(IssuePriority.High, issue.Priority);
    }

    [Fact]
    public async Task Explicit_intent_blueprint_id_and_patch_are_kept()
    {
        using var fixture = new IngestionFixture();
        var patch = JsonDocument.Parse("""[{"op":"replace","path":"/metadata/owner","value":"ops"},{"op":"move","from":"/a~1b","path":"/c"}]""").RootElement;

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest() with { Intent = "Set the owner", BlueprintId = "bp.main", Patch = patch });

        var issue = await fixture.Store.GetAsync(result.IssueId);
        Assert.Equal("Set the owner", issue.Intent);
        Assert.Equal(BlueprintId.Parse("bp.main"), issue.BlueprintId);
        Assert.Equal(patch.GetRawText(), issue.Patch!.Value.GetRawText());
    }

    [Fact]
    public async Task Same_triggering_event_with_the_same_payload_returns_the_first_issue_and_creates_nothing()
    {
        using var fixture = new IngestionFixture();

        var first = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));
        var second = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.IssueId, second.IssueId);
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task Same_triggering_event_with_a_different_payload_is_a_conflict_naming_both_hashes_and_stores_nothing()
    {
        using var fixture = new IngestionFixture();

        var first = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));
        var ex = await Assert.ThrowsAsync<ConflictException>(() => fixture.Ingestion.IngestJsonAsync(
            IngestionFixture.Utf8(IngestionFixture.ValidJson.Replace("Run SBOM", "Other", StringComparison.Ordinal))));

        Assert.Contains(first.IssueId.Value, ex.Message, StringComparison.Ordinal);
        Assert.Contains("different payload", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.Expected);
        Assert.NotNull(ex.Actual);
        Assert.NotEqual(ex.Expected, ex.Actual);
        var stored = await fixture.Store.GetAsync(first.IssueId);
        Assert.StartsWith("Run SBOM", stored.Title, StringComparison.Ordinal);
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task A_replay_compares_the_payload_canonically_not_byte_for_byte()
    {
        using var fixture = new IngestionFixture();
        var reordered = """
            {"activity_definition_id":"activity-definition-uuid","triggering_event_id":"event-or-schedule-key",
             "source_id":"flag-stale-sbom","source_type":"rule","due_in_days":null,"labels":["sbom","security","automated"],
             "priority":"medium","target_repo":"activity-core","description":"","title":"Run SBOM rescan for activity-core"}
            """;

        var first = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));
        var second = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(reordered));

        Assert.False(second.Created);
        Assert.Equal(first.IssueId, second.IssueId);
    }

    [Fact]
    public async Task A_request_for_a_series_that_does_not_exist_is_refused_naming_target_repo_and_stores_nothing()
    {
        using var fixture = new IngestionFixture(configure: o => o.RequireExistingSeries = true);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.target_repo", error.Path);
        Assert.Contains("'activity-core'", error.Message, StringComparison.Ordinal);
        Assert.Contains("RequireExistingSeries", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Fact]
    public async Task A_request_for_an_existing_series_is_accepted_by_default()
    {
        using var fixture = new IngestionFixture(configure: o => o.RequireExistingSeries = true);
        await fixture.Services.GetRequiredService<IssueCore.Blueprints.IBlueprintStore>().WriteNewAsync(
            IssueCore.Blueprints.BlueprintId.Parse("activity-core"),
            IssueCore.Blueprints.Blueprint.Parse("""{"id":"activity-core","metadata":{"version_label":"1.0.0"},"agents":[],"flow":{"kind":"seq","children":[]}}"""),
            [],
            new IssueCore.Blueprints.CommitMetadata("seed", Origin: "seed"));

        var result = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));

        Assert.True(result.Created);
        Assert.True(new IssueCore.Ingestion.IssueIngestionOptions().RequireExistingSeries);
    }

    [Fact]
    public async Task Fifty_concurrent_duplicates_create_exactly_one_issue()
    {
        using var fixture = new IngestionFixture();
        var body = IngestionFixture.Utf8(IngestionFixture.ValidJson);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => fixture.Ingestion.IngestJsonAsync(body))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.IssueId).Distinct());
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task Missing_required_fields_are_all_listed_with_their_paths()
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8("{}")));

        Assert.Equal(
            ["$.title", "$.target_repo", "$.priority", "$.source_type", "$.source_id", "$.triggering_event_id", "$.activity_definition_id"],
            ex.Errors.Select(e => e.Path));
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Fact]
    public async Task Wrong_types_unknown_enums_and_duplicate_members_are_listed_together_and_unknown_members_are_not_errors()
    {
        using var fixture = new IngestionFixture();
        const string json = """
            {"title":5,"description":true,"target_repo":"repo","priority":"urgent","labels":["ok",3],"due_in_days":"7",
             "source_type":"robot","source_id":["x"],"triggering_event_id":"e","activity_definition_id":"a","colour":"red","title":"dup"}
            """;

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json)));

        var paths = ex.Errors.Select(e => e.Path).ToList();
        Assert.Equal(
            ["$.title", "$.description", "$.priority", "$.labels[1]", "$.due_in_days", "$.source_type", "$.source_id", "$.title"],
            paths);
        Assert.Contains("high, medium, low", ex.Errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("more than once", ex.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"title\":")]
    [InlineData("{\"title\":\"a\",}")]
    [InlineData("/* c */ {}")]
    [InlineData("{} {}")]
    public async Task Malformed_json_is_a_validation_error_at_the_root(string json)
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json)));

        Assert.Equal("$", ex.Path);
        Assert.Contains("well-formed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_is_a_validation_error()
    {
        using var fixture = new IngestionFixture();
        var bytes = IngestionFixture.Utf8(IngestionFixture.ValidJson).ToArray();
        bytes[12] = 0xFF;

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(bytes));

        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_object_root_is_refused()
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8("[1,2]")));

        Assert.Equal("$", Assert.Single(ex.Errors).Path);
    }

    [Fact]
    public async Task Lengths_counts_ranges_and_forbidden_characters_are_checked()
    {
        using var fixture = new IngestionFixture();
        var request = IngestionFixture.ValidRequest() with
        {
            Title = new string('t', 257),
            Description = new string('d', 16 * 1024 + 1),
            Labels = [.. Enumerable.Range(0, 21).Select(i => $"l{i}"), new string('x', 65), " "],
            DueInDays = -1,
            SourceId = "a\0b",
            TriggeringEventId = "\ud800",
            ActivityDefinitionId = "",
        };

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestAsync(request));

        var paths = ex.Errors.Select(e => e.Path).ToList();
        Assert.Equal(
            ["$.title", "$.description", "$.labels", "$.labels[21]", "$.labels[22]", "$.due_in_days", "$.source_id", "$.triggering_event_id", "$.activity_definition_id"],
            paths);
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Theory]
    [InlineData("{}", "$.patch")]
    [InlineData("[1]", "$.patch[0]")]
    [InlineData("""[{"path":"/a","value":1}]""", "$.patch[0].op")]
    [InlineData("""[{"op":"frobnicate","path":"/a"}]""", "$.patch[0].op")]
    [InlineData("""[{"op":"remove","path":"a"}]""", "$.patch[0].path")]
    [InlineData("""[{"op":"remove","path":"/a~2"}]""", "$.patch[0].path")]
    [InlineData("""[{"op":"remove"}]""", "$.patch[0].path")]
    [InlineData("""[{"op":"add","path":"/a"}]""", "$.patch[0].value")]
    [InlineData("""[{"op":"remove","path":""},{"op":"copy","path":"/b"}]""", "$.patch[1].from")]
    public async Task Malformed_patch_is_refused_with_the_offending_path(string patch, string path)
    {
        using var fixture = new IngestionFixture();
        var json = IngestionFixture.ValidJson.TrimEnd().TrimEnd('}') + ",\"patch\":" + patch + "}";

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json)));

        Assert.Equal(path, Assert.Single(ex.Errors).Path);
    }

    [Theory]
    [InlineData("""{"\ud800":1}""", "$")]
    [InlineData("""{"title":"a\udc00b"}""", "$.title")]
    [InlineData("""{"labels":["ok","\ud800"]}""", "$.labels[1]")]
    [InlineData("""{"patch":[{"op":"add","path":"/a","value":"\ud800"}]}""", "$.patch")]
    [InlineData("""{"patch":[{"op":"add","path":"/a","value":1e400}]}""", "$.patch[0].value")]
    public async Task Unpaired_surrogate_escapes_and_non_canonical_patches_are_validation_errors(string json, string path)
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json)));

        Assert.Contains(ex.Errors, e => e.Path.StartsWith(path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Target_that_is_not_a_blueprint_id_is_listed_with_the_other_errors()
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(
            () => fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest() with { TargetRepo = "org/repo", Title = null }));

        Assert.Equal(["$.title", "$.target_repo"], ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public async Task A_registered_resolver_replaces_the_default_mapping()
    {
        using var fixture = new IngestionFixture(s => s.AddSingleton<IBlueprintResolver, SlashResolver>());

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest() with { TargetRepo = "org/repo" });

        Assert.Equal(BlueprintId.Parse("org.repo"), (await fixture.Store.GetAsync(result.IssueId)).BlueprintId);
    }

    [Fact]
    public async Task Body_over_the_limit_is_refused_before_parsing()
    {
        using var fixture = new IngestionFixture(configure: o => o.MaxBodyBytes = 100);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson)));

        Assert.Contains("at most 100", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_url_is_built_from_the_configured_base_url()
    {
        using var fixture = new IngestionFixture(configure: o => { o.IssueBaseUrl = "https://issues.example.test/issues/"; o.Backend = "main"; });

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest());

        Assert.Equal($"https://issues.example.test/issues/{result.IssueId.Value}", result.IssueUrl);
        Assert.Equal("main", result.Backend);
    }

    [Fact]
    public void Registering_twice_keeps_one_service_and_invalid_options_fail_validation()
    {
        var services = new ServiceCollection();
        services.AddIssueCoreIngestion().AddIssueCoreIngestion(o => o.MaxBodyBytes = 0).UseInMemory();
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IIssueIngestionService));
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<IssueIngestionOptions>>().Value);
        Assert.Contains("MaxBodyBytes", ex.Message, StringComparison.Ordinal);
    }

    private sealed class SlashResolver : IBlueprintResolver
    {
        public ValueTask<BlueprintId> ResolveAsync(IngestionRequest request, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(BlueprintId.Parse(request.TargetRepo!.Replace('/', '.')));
    }
}
