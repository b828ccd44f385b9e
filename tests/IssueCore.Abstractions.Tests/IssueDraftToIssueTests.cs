using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Abstractions.Tests;

public sealed class IssueDraftToIssueTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ToIssue_keeps_every_field_of_the_draft_and_starts_pending_without_attempts_or_lease()
    {
        var draft = new IssueDraft
        {
            Id = IssueId.Parse("issue-1"),
            BlueprintId = BlueprintId.Parse("orders"),
            Intent = "change",
            Rationale = "why",
            Bump = VersionBump.Minor,
            Title = "title",
            Description = "description",
            Priority = IssuePriority.High,
            Labels = ["a", "b"],
            DueAt = Now.AddDays(1),
            IdempotencyKey = "key-1",
        };

        var issue = draft.ToIssue(Now);

        Assert.Equal(
            (draft.Id, draft.BlueprintId, "change", "why", VersionBump.Minor, "title", "description", IssuePriority.High, draft.DueAt, "key-1"),
            (issue.Id, issue.BlueprintId, issue.Intent, issue.Rationale, issue.Bump, issue.Title, issue.Description, issue.Priority, issue.DueAt, issue.IdempotencyKey));
        Assert.Equal(["a", "b"], issue.Labels);
        Assert.Equal(IssueState.Pending, issue.Status.State);
        Assert.Equal((0, (string?)null, (DateTimeOffset?)null, Now, Now), (issue.Attempts, issue.LeaseOwner, issue.LeaseExpiresAt, issue.CreatedAt, issue.UpdatedAt));
    }

    [Fact]
    public void ToIssue_copies_the_patch_so_it_outlives_the_callers_document()
    {
        var document = JsonDocument.Parse("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""");
        var draft = new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "change", Patch = document.RootElement };

        var issue = draft.ToIssue(Now);
        document.Dispose();

        Assert.Equal("""[{"op":"replace","path":"/metadata/owner","value":"team-b"}]""", issue.Patch!.Value.GetRawText());
    }

    [Fact]
    public void ToIssue_without_an_id_generates_one_and_copies_the_labels()
    {
        var labels = new List<string> { "a" };
        var draft = new IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "change", Labels = labels };

        var issue = draft.ToIssue(Now);
        labels.Add("b");

        Assert.False(string.IsNullOrEmpty(issue.Id.Value));
        Assert.Equal(["a"], issue.Labels);
    }
}
