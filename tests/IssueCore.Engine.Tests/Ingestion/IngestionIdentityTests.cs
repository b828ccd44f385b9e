using IssueCore.Ingestion;
using IssueCore.Issues;

namespace IssueCore.Engine.Tests.Ingestion;

public sealed class IngestionIdentityTests
{
    [Fact]
    public async Task An_idempotency_key_that_differs_from_the_triggering_event_is_refused_and_stores_nothing()
    {
        using var fixture = new IngestionFixture();

        var ex = await Assert.ThrowsAsync<ValidationException>(
            () => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson), "another-key"));

        Assert.Equal("idempotency_key", Assert.Single(ex.Errors).Path);
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Fact]
    public async Task The_same_event_with_and_without_an_idempotency_key_is_one_issue()
    {
        using var fixture = new IngestionFixture();

        var first = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson));
        var second = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(IngestionFixture.ValidJson), "event-or-schedule-key");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.IssueId, second.IssueId);
        Assert.Equal(1, await fixture.CountAsync());
        Assert.Equal("event-or-schedule-key", (await fixture.Store.GetAsync(first.IssueId)).IdempotencyKey);
    }

    [Fact]
    public async Task Unknown_members_are_ignored_and_reported_as_warnings_and_the_issue_is_created()
    {
        using var fixture = new IngestionFixture();
        var json = IngestionFixture.ValidJson.TrimEnd().TrimEnd('}') + ""","emitter_version":"2.1","extra":{"nested":[1,2]}}""";

        var result = await fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json));

        Assert.True(result.Created);
        Assert.Equal(["$.emitter_version", "$.extra"], result.Warnings.Select(w => w.Path));
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task Unknown_members_do_not_excuse_a_malformed_known_member()
    {
        using var fixture = new IngestionFixture();
        var json = IngestionFixture.ValidJson.Replace("\"due_in_days\":null", "\"due_in_days\":\"soon\",\"emitter_version\":\"2.1\"", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestJsonAsync(IngestionFixture.Utf8(json)));

        Assert.Contains("$.due_in_days", ex.Errors.Select(e => e.Path));
        Assert.DoesNotContain("$.emitter_version", ex.Errors.Select(e => e.Path));
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Fact]
    public async Task Target_repo_is_kept_on_the_issue_as_sent()
    {
        using var fixture = new IngestionFixture();

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest() with { TargetRepo = "activity-core", BlueprintId = "bp.main" });

        var issue = await fixture.Store.GetAsync(result.IssueId);
        Assert.Equal("activity-core", issue.TargetRepo);
        Assert.Equal("bp.main", issue.BlueprintId.Value);
    }
}
