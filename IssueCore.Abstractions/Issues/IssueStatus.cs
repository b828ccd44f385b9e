using IssueCore.Blueprints;

namespace IssueCore.Issues;

/// <summary>
/// An issue's status: its <see cref="IssueState"/> plus the outcome that goes with a terminal state
/// (the new version when applied, the reason when rejected or failed). Create with the factories.
/// </summary>
public sealed record IssueStatus
{
    private IssueStatus(IssueState state, BlueprintVersion? newVersion, string? reason)
    {
        State = state;
        NewVersion = newVersion;
        Reason = reason;
    }

    /// <summary>The state.</summary>
    public IssueState State { get; }

    /// <summary>The committed version, set only when <see cref="State"/> is <see cref="IssueState.Applied"/>.</summary>
    public BlueprintVersion? NewVersion { get; }

    /// <summary>Why, set only when <see cref="State"/> is <see cref="IssueState.Rejected"/> or <see cref="IssueState.Failed"/>.</summary>
    public string? Reason { get; }

    /// <summary>Whether the state is terminal (applied, rejected or failed).</summary>
    public bool IsTerminal => State is IssueState.Applied or IssueState.Rejected or IssueState.Failed;

    /// <summary>Queued.</summary>
    public static IssueStatus Pending { get; } = new(IssueState.Pending, null, null);

    /// <summary>Claimed by a dispatcher.</summary>
    public static IssueStatus Running { get; } = new(IssueState.Running, null, null);

    /// <summary>Waiting for a person to approve or reject the proposed change (see <see cref="IssueState.AwaitingApproval"/>).</summary>
    public static IssueStatus AwaitingApproval { get; } = new(IssueState.AwaitingApproval, null, null);

    /// <summary>Committed as <paramref name="newVersion"/>.</summary>
    public static IssueStatus Applied(BlueprintVersion newVersion) => new(IssueState.Applied, newVersion, null);

    /// <summary>Denied by a verifier.</summary>
    public static IssueStatus Rejected(string reason) => new(IssueState.Rejected, null, RequireReason(reason));

    /// <summary>Dead-lettered after the retry budget.</summary>
    public static IssueStatus Failed(string reason) => new(IssueState.Failed, null, RequireReason(reason));

    /// <summary>Rebuilds a status from its stored parts (for adapters).</summary>
    /// <exception cref="ArgumentException">The parts do not form a valid status.</exception>
    public static IssueStatus FromParts(IssueState state, BlueprintVersion? newVersion, string? reason) => state switch
    {
        IssueState.Pending => Pending,
        IssueState.Running => Running,
        IssueState.AwaitingApproval => AwaitingApproval,
        IssueState.Applied => Applied(newVersion ?? throw new ArgumentException("An applied status needs a version.", nameof(newVersion))),
        IssueState.Rejected => Rejected(reason ?? string.Empty),
        IssueState.Failed => Failed(reason ?? string.Empty),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown issue state."),
    };

    /// <inheritdoc />
    public override string ToString() => State switch
    {
        IssueState.Applied => $"Applied({NewVersion})",
        IssueState.Rejected or IssueState.Failed => $"{State}({Reason})",
        _ => State.ToString(),
    };

    private static string RequireReason(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return reason;
    }
}
