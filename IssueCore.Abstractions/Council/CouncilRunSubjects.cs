using IssueCore.Issues;

namespace IssueCore.Council;

/// <summary>The <see cref="CouncilRun.Subject"/> values the engine writes, so a run can be looked up by what it was for.</summary>
public static class CouncilRunSubjects
{
    /// <summary>The prefix of a dispatch run's subject: <c>issue:</c> followed by the issue id.</summary>
    public const string IssuePrefix = "issue:";

    /// <summary>The subject of the runs that dispatch <paramref name="issueId"/> (<see cref="ICouncilRepository.ListRunsBySubjectAsync"/>).</summary>
    /// <param name="issueId">The issue.</param>
    /// <returns><c>issue:</c> followed by the issue id.</returns>
    public static string ForIssue(IssueId issueId) => IssuePrefix + issueId.Value;
}
