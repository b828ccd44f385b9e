using System.Globalization;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance.Governance;
using IssueCore.Issues;
using IssueCore.Launch;

namespace IssueCore.Enhance;

/// <summary>The approval gate: a change the setting wants a person to approve waits, then is committed or rejected once.</summary>
public sealed partial class EnhanceApplication
{
    /// <summary>The reason an approval nobody decided in time ends with.</summary>
    public const string ApprovalExpiredReason = "approval expired";

    // The next instant the dispatch loop looks for expired approvals, in UTC ticks (shared by concurrent ticks).
    private long _nextApprovalSweepTicks;

    /// <summary>
    /// Approves the change an issue waits with (see <see cref="EnhanceSetting.RequireApproval"/>) and commits it, exactly
    /// once. The decision is stored before it is carried out, so a process that dies in between leaves it to the next
    /// dispatcher, which commits it without running the flow again.
    /// </summary>
    /// <remarks>
    /// <para>The change is committed only on top of the head it was verified and approved against. When the series
    /// moved while the issue waited, nothing is committed: the issue ends <c>Rejected</c> with a <c>head moved while
    /// awaiting approval</c> reason (requeue it to run the flow against the new head, and approve the new proposal).
    /// Re-verifying silently would commit a Blueprint nobody saw.</para>
    /// <para>An approval that has expired ends <c>Rejected</c> (<see cref="ApprovalExpiredReason"/>) instead. The
    /// approver and the note are in the enhance log entry. Callers gate this with their own authorization; the HTTP
    /// operator API requires the operator role.</para>
    /// </remarks>
    /// <param name="id">The waiting issue.</param>
    /// <param name="approver">Who approves (a person's name), recorded in the log entry.</param>
    /// <param name="note">Why, recorded in the log entry; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call (a recorded decision is then finished by the next dispatcher).</param>
    /// <returns>The outcome: <see cref="DispatchResult.Applied"/>, or <see cref="DispatchResult.Rejected"/> when the head moved or the approval expired.</returns>
    /// <exception cref="ArgumentException"><paramref name="approver"/> is empty.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The approval was already decided (for example by a concurrent approver); nothing changed.</exception>
    /// <exception cref="ApprovalNotPendingException">The issue is not waiting for approval; nothing changed.</exception>
    /// <exception cref="NotSupportedException">The issue store cannot hold issues for approval.</exception>
    public Task<DispatchOutcome> ApproveAsync(IssueId id, string approver, string? note = null, CancellationToken cancellationToken = default)
        => DecideAsync(id, ApprovalVerdict.Approved, approver, note, cancellationToken);

    /// <summary>
    /// Rejects the change an issue waits with: the issue ends <c>Rejected</c> (<c>rejected by …</c>), exactly once, with
    /// the approver and the note in its enhance log entry. Nothing is committed.
    /// </summary>
    /// <param name="id">The waiting issue.</param>
    /// <param name="approver">Who rejects (a person's name), recorded in the log entry.</param>
    /// <param name="note">Why, recorded in the log entry and the reason; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call (a recorded decision is then finished by the next dispatcher).</param>
    /// <returns>The outcome (<see cref="DispatchResult.Rejected"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="approver"/> is empty.</exception>
    /// <exception cref="NotFoundException">No such issue.</exception>
    /// <exception cref="ConflictException">The approval was already decided (for example by a concurrent approver); nothing changed.</exception>
    /// <exception cref="ApprovalNotPendingException">The issue is not waiting for approval; nothing changed.</exception>
    /// <exception cref="NotSupportedException">The issue store cannot hold issues for approval.</exception>
    public Task<DispatchOutcome> RejectAsync(IssueId id, string approver, string? note = null, CancellationToken cancellationToken = default)
        => DecideAsync(id, ApprovalVerdict.Rejected, approver, note, cancellationToken);

    /// <summary>
    /// Ends approvals that have expired (<see cref="EnhanceApplicationOptions.ApprovalTimeout"/>): each issue ends
    /// <c>Rejected</c> with the reason <see cref="ApprovalExpiredReason"/>. At most
    /// <see cref="EnhanceApplicationOptions.ApprovalExpiryBatch"/> per call, earliest expiry first. The dispatch loop
    /// calls it (through <see cref="TickAsync"/>) at most once per <see cref="EnhanceApplicationOptions.PollInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>What happened to each approval this call ended.</returns>
    public async Task<IReadOnlyList<DispatchOutcome>> ExpireApprovalsAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var expired = await _issues.ListExpiredApprovalsAsync(now, _options.ApprovalExpiryBatch, cancellationToken).ConfigureAwait(false);
        var outcomes = new List<DispatchOutcome>(expired.Count);
        foreach (var approval in expired)
        {
            var decision = new IssueApprovalDecision(ApprovalVerdict.Expired, DispatcherId, null, now);
            var result = await _issues.DecideApprovalAsync(approval.IssueId, decision, DispatcherId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (!result.Decided)
            {
                continue; // a person decided first
            }

            ApprovalLog.Decided(_logger, approval.IssueId.Value, ApprovalVerdict.Expired, DispatcherId);
            outcomes.Add(await CarryOutAsync(result.Issue, result.Approval!, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    private async Task SweepApprovalsWhenDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var due = Interlocked.Read(ref _nextApprovalSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextApprovalSweepTicks, now + _options.PollInterval.Ticks, due) != due)
        {
            return; // not due, or a concurrent tick sweeps
        }

        try
        {
            await ExpireApprovalsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ApprovalLog.SweepFailed(_logger, ex);
        }
    }

    private async Task<DispatchOutcome> DecideAsync(IssueId id, ApprovalVerdict verdict, string approver, string? note, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(approver);
        var now = _time.GetUtcNow();
        var waiting = await _issues.FindApprovalAsync(id, cancellationToken).ConfigureAwait(false);
        if (waiting is { IsDecided: false } && waiting.ExpiresAt <= now)
        {
            verdict = ApprovalVerdict.Expired; // too late: it ends as the sweep would end it
        }

        var result = await _issues.DecideApprovalAsync(id, new IssueApprovalDecision(verdict, approver, note, now), DispatcherId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (!result.Decided)
        {
            ApprovalLog.NotDecided(_logger, id.Value, verdict, approver, result.Issue.Status.State);
            if (result.Approval is { IsDecided: true } decided)
            {
                throw new ConflictException(
                    string.Create(CultureInfo.InvariantCulture, $"The approval of issue '{id}' was already decided: {decided.Verdict} by '{decided.DecidedBy}' at {decided.DecidedAt:O}; the issue is {result.Issue.Status}."),
                    expected: nameof(IssueState.AwaitingApproval),
                    actual: decided.Verdict.ToString());
            }

            throw new ApprovalNotPendingException(id, result.Issue.Status.State);
        }

        ApprovalLog.Decided(_logger, id.Value, verdict, approver);
        return await CarryOutAsync(result.Issue, result.Approval!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Parks a running issue whose flow proposed a change that passed every axis: the issue waits with the proposal
    /// (the store clears its lease in the same step), then the held-open run is moved to <c>AwaitingApproval</c>.
    /// </summary>
    private async Task<DispatchOutcome> AwaitApprovalAsync(Issue issue, Blueprint head, BlueprintEpoch epoch, CommitDecision decision, CouncilRunId runId, DispatchRun started, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var approval = new IssueApproval
        {
            IssueId = issue.Id,
            Round = issue.Round,
            RunId = runId,
            PreviousVersion = head.Version,
            Proposed = decision.NewBlueprint!,
            PatchHash = decision.PatchHash,
            Rationale = decision.Rationale,
            Verdicts = decision.Verdicts,
            EpochStartedAt = epoch.StartedAt,
            RequestedAt = now,
            ExpiresAt = now + _options.ApprovalTimeout,
        };
        try
        {
            // The waiting issue names its run (a buffered run's id is otherwise written with the outcome).
            await RecordStartedRunAsync(issue, started, cancellationToken).ConfigureAwait(false);
            await _issues.AwaitApprovalUnderLeaseAsync(IssueLease.Of(issue), approval, cancellationToken).ConfigureAwait(false);
        }
        catch (ConflictException ex)
        {
            EnhanceLog.LeaseLost(_logger, ex, issue.Id.Value);
            await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Cancelled).ConfigureAwait(false);
            return Outcome(issue, DispatchResult.LeaseLost, ex.Message);
        }

        // The issue is the record of the wait; the run follows it (a crash in between leaves the run Running, and a
        // host start marks it Interrupted, from which a decision still ends it).
        await MoveRunAsync(runId, issue.Id, CouncilRunStatus.AwaitingApproval).ConfigureAwait(false);
        ApprovalLog.Awaiting(_logger, issue.Id.Value, issue.BlueprintId.Value, head.Version.Value, approval.Proposed.Version.Value, approval.ExpiresAt);
        return Outcome(issue, DispatchResult.AwaitingApproval, "awaiting approval", approval.Proposed.Version);
    }

    /// <summary>
    /// Carries out a recorded decision on an issue this dispatcher holds the lease of: commits an approved change on
    /// top of the head it was approved against, or rejects. A fault releases the issue for a retry (the decision stays
    /// recorded, so the next dispatcher finishes it).
    /// </summary>
    private async Task<DispatchOutcome> CarryOutAsync(Issue issue, IssueApproval approval, CancellationToken cancellationToken)
    {
        // The run follows the decision, which is durable already: an approved run resumes and completes (the flow it
        // ran is done), a rejected or expired one is cancelled. Done first, so a process that dies while carrying the
        // decision out leaves the run ended; the dispatcher that finishes the decision moves it again (a no-op).
        if (approval.RunId is { } runId)
        {
            if (approval.Verdict == ApprovalVerdict.Approved)
            {
                await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Running).ConfigureAwait(false);
                await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Completed).ConfigureAwait(false);
            }
            else
            {
                await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Cancelled).ConfigureAwait(false);
            }
        }

        try
        {
            using var deadline = new CancellationTokenSource(_options.DispatchTimeout, _time);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            return await FinishRecordedAsync(issue, bounded.Token).ConfigureAwait(false)
                ?? await CarryOutDecisionAsync(issue, approval, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return await RetryOrFailAsync(issue, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DispatchOutcome> CarryOutDecisionAsync(Issue issue, IssueApproval approval, CancellationToken cancellationToken)
    {
        switch (approval.Verdict)
        {
            case ApprovalVerdict.Expired:
                return await RecordAsync(issue, ApprovalEntry(issue, approval, EnhanceOutcome.Rejected, [ApprovalExpiredReason]), recovered: false, cancellationToken).ConfigureAwait(false);
            case ApprovalVerdict.Rejected:
                var why = approval.Note is { Length: > 0 } note ? $"rejected by {approval.DecidedBy}: {note}" : $"rejected by {approval.DecidedBy}";
                return await RecordAsync(issue, ApprovalEntry(issue, approval, EnhanceOutcome.Rejected, [why]), recovered: false, cancellationToken).ConfigureAwait(false);
        }

        var head = (await _blueprints.ReadHeadAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false)).Value.Version;
        if (head == approval.PreviousVersion)
        {
            try
            {
                var epoch = new BlueprintEpoch(issue.BlueprintId, approval.PreviousVersion, approval.EpochStartedAt);
                return await RecordAsync(
                    issue,
                    ApprovalEntry(issue, approval, EnhanceOutcome.Applied, []),
                    recovered: false,
                    cancellationToken,
                    new DispatchCommit(issue.BlueprintId, approval.Proposed, [approval.PreviousVersion], new CommitMetadata(approval.Rationale, epoch, approval.PatchHash, issue.Id, "issue"))).ConfigureAwait(false);
            }
            catch (ConflictException)
            {
                // The head moved between the read and the commit (or the store refused the content): look again below.
                head = (await _blueprints.ReadHeadAsync(issue.BlueprintId, cancellationToken).ConfigureAwait(false)).Value.Version;
                if (head == approval.PreviousVersion)
                {
                    throw;
                }
            }
        }

        ApprovalLog.HeadMoved(_logger, issue.Id.Value, issue.BlueprintId.Value, approval.PreviousVersion.Value, head.Value);
        var moved = $"head moved while awaiting approval: the change was verified and approved against {approval.PreviousVersion.Short}, the head is now {head.Short}; requeue the issue to run it against the new head";
        return await RecordAsync(issue, ApprovalEntry(issue, approval, EnhanceOutcome.Rejected, [moved]), recovered: false, cancellationToken).ConfigureAwait(false);
    }

    private EnhanceLogEntry ApprovalEntry(Issue issue, IssueApproval approval, EnhanceOutcome outcome, IReadOnlyList<string> reasons) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        PreviousVersion = approval.PreviousVersion,
        NewVersion = outcome == EnhanceOutcome.Applied ? approval.Proposed.Version : null,
        Intent = issue.Intent,
        Rationale = approval.Rationale,
        Verdicts = approval.Verdicts,
        Outcome = outcome,
        Reasons = reasons,
        Timestamp = _time.GetUtcNow(),
        Approver = approval.Verdict is ApprovalVerdict.Approved or ApprovalVerdict.Rejected ? approval.DecidedBy : null,
        ApprovalNote = approval.Note,
    };

    /// <summary>Reads the flow's commit decision; a malformed one ends a held-open run before the error goes on.</summary>
    private async Task<CommitDecision> ReadDecisionAsync(LaunchResult launched, EnhanceSetting setting, CouncilRunId runId, Issue issue, ICouncilRepository? recording, DispatchBlueprints blueprints, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        try
        {
            return CommitDecisionReader.Read(launched.FinalContext, setting.VerifierAxes, blueprints);
        }
        catch (CommitShapeException) when (setting.RequireApproval)
        {
            await MoveRunAsync(runId, issue.Id, CouncilRunStatus.Failed, recording).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Moves a run the dispatcher holds open or that waits with its issue; best effort, bounded, logged on failure.</summary>
    private async Task MoveRunAsync(CouncilRunId runId, IssueId issueId, CouncilRunStatus status, ICouncilRepository? recording = null)
    {
        try
        {
            using var bounded = new CancellationTokenSource(ShutdownReleaseTimeout, _time);
            // A run recorded in memory moves there and is written with the outcome.
            var repository = recording ?? _launcher.Repository;
            var run = await repository.GetRunAsync(runId, bounded.Token).ConfigureAwait(false);
            if (run is null || run.Status == status || !CouncilRunStatusTransitions.CanTransition(run.Status, status))
            {
                return;
            }

            await repository.UpdateRunStatusAsync(runId, status, bounded.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the issue is the record; a run status that could not follow is logged
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ApprovalLog.RunStatusFailed(_logger, ex, runId.Value, issueId.Value, status);
        }
    }
}
