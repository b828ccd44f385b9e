namespace IssueCore.Issues;

/// <summary>
/// One claim of an issue: the issue, the owner that claimed it, and the claim's fencing token. The token is the
/// issue's <see cref="Issue.Attempts"/> right after the claim: every claim increments it, so a later claim of the
/// same issue (by another dispatcher, or by a second dispatcher that shares this owner name) always carries a
/// higher token, and a store refuses the older one.
/// </summary>
public readonly record struct IssueLease
{
    /// <summary>Creates a lease.</summary>
    /// <param name="issueId">The claimed issue.</param>
    /// <param name="owner">Who claimed it.</param>
    /// <param name="token">The claim's fencing token (the claim count, 1 or more).</param>
    /// <exception cref="ArgumentException"><paramref name="owner"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is below 1.</exception>
    public IssueLease(IssueId issueId, string owner, long token)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(token, 1);
        IssueId = issueId;
        Owner = owner;
        Token = token;
    }

    /// <summary>The claimed issue.</summary>
    public IssueId IssueId { get; }

    /// <summary>Who claimed it.</summary>
    public string Owner { get; }

    /// <summary>The fencing token: the issue's claim count when this claim was made.</summary>
    public long Token { get; }

    /// <summary>The lease a claim returned.</summary>
    /// <param name="claimed">An issue as <see cref="IIssueStore.ClaimNextAsync"/> returned it.</param>
    /// <exception cref="ArgumentException">The issue is not running under a lease.</exception>
    public static IssueLease Of(Issue claimed)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        if (claimed.Status.State != IssueState.Running || claimed.LeaseOwner is null || claimed.Attempts < 1)
        {
            throw new ArgumentException($"Issue '{claimed.Id}' is {claimed.Status.State}, not running under a lease.", nameof(claimed));
        }

        return new IssueLease(claimed.Id, claimed.LeaseOwner, claimed.Attempts);
    }

    /// <summary>Whether <paramref name="issue"/>, as stored, is still running under this very claim.</summary>
    /// <param name="issue">The stored issue.</param>
    public bool IsHeldOn(Issue issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        return issue.Id == IssueId
            && issue.Status.State == IssueState.Running
            && string.Equals(issue.LeaseOwner, Owner, StringComparison.Ordinal)
            && issue.Attempts == Token;
    }

    /// <summary>The conflict a store reports when <paramref name="stored"/> is no longer held under this lease.</summary>
    /// <param name="stored">The issue as stored.</param>
    public ConflictException Lost(Issue stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var actual = stored.Status.State == IssueState.Running ? $"{stored.LeaseOwner}#{stored.Attempts}" : stored.Status.State.ToString();
        return new ConflictException($"The lease '{this}' on issue '{IssueId}' is lost: the issue is {stored.Status.State} under claim {actual}.", expected: ToString(), actual: actual);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Owner}#{Token}";
}
