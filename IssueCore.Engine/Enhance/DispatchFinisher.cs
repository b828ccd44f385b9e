using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Issues;
using IssueCore.Launch;

namespace IssueCore.Enhance;

/// <summary>
/// Writes the end of a dispatch (the commit when applied, the log entry, the issue's completion with the entry's run
/// id) under the dispatcher's lease: in one transaction through the stores' <see cref="IDispatchFinalizer"/> when they offer one,
/// otherwise one store call at a time with the lease checked before each write. A dispatch's run, recorded in memory,
/// goes into that transaction when the stores offer a finalizer that takes it, otherwise it is written just before.
/// </summary>
internal sealed class DispatchFinisher
{
    private readonly IIssueStore _issues;
    private readonly IBlueprintStore _blueprints;
    private readonly IEnhanceLogStore _log;
    private readonly IDispatchFinalizer? _finalizer;
    private readonly IDispatchFinalizer? _runFinalizer;
    private readonly ICouncilRepository _runs;

    public DispatchFinisher(IIssueStore issues, IBlueprintStore blueprints, IEnhanceLogStore log, ICouncilRepository runs)
    {
        _issues = issues;
        _blueprints = blueprints;
        _log = log;
        _runs = runs;
        var provider = issues as IDispatchFinalizerProvider;
        _finalizer = provider?.CreateFinalizer(blueprints, log);
        _runFinalizer = provider?.CreateFinalizer(blueprints, log, runs);
    }

    /// <summary>Whether the stores finish a dispatch in one transaction.</summary>
    public bool Atomic => _finalizer is not null;

    /// <summary>Finishes the dispatch; a <see cref="ConflictException"/> means the lease is lost, the head moved, or a commit or entry exists.</summary>
    /// <param name="finalization">What to write.</param>
    /// <param name="run">The dispatch's run recorded in memory, written with the outcome (and marked stored) when given.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public async Task<DispatchFinalized> FinishAsync(DispatchFinalization finalization, BufferedCouncilRepository? run, CancellationToken cancellationToken)
    {
        if (run is not null && await run.TakeRecordAsync(cancellationToken).ConfigureAwait(false) is { } record)
        {
            if (_runFinalizer is { } withRun && ReferenceEquals(run.Target, _runs))
            {
                var done = await withRun.FinalizeAsync(finalization with { Run = record }, cancellationToken).ConfigureAwait(false);
                run.MarkStored();
                return done;
            }

            // The stores cannot take the run in their transaction: it goes first, on its own.
            await run.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_finalizer is { } finalizer)
        {
            return await finalizer.FinalizeAsync(finalization, cancellationToken).ConfigureAwait(false);
        }

        var lease = finalization.Lease;
        var entry = finalization.Entry;
        var status = finalization.Status;
        Traced<Blueprint>? stored = null;
        // The issue names the entry's run, as a finalizer sets it with the completion: recording it checks the lease.
        if (entry.RunId is { } runId)
        {
            await _issues.RecordRunUnderLeaseAsync(lease, runId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _issues.CheckLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        }

        if (finalization.Commit is { } commit)
        {
            stored = await _blueprints.WriteNewAsync(commit.BlueprintId, commit.Blueprint, commit.Parents, commit.Metadata, cancellationToken).ConfigureAwait(false);
            if (status.State == IssueState.Applied && stored.Value.Version != status.NewVersion)
            {
                // The store recorded the change under another version (it normalised the content, or reports versions
                // differently): name the version its history holds for the issue.
                var recorded = await _blueprints.FindCommitByIssueAsync(commit.BlueprintId, lease.IssueId, cancellationToken).ConfigureAwait(false)
                    ?? throw new StorageException($"The Blueprint store accepted the commit of issue '{lease.IssueId}' as {stored.Value.Version} but its history of '{commit.BlueprintId}' holds no commit for the issue.");
                status = IssueStatus.Applied(recorded.Version);
                entry = entry with { NewVersion = recorded.Version };
            }

            await _issues.CheckLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
        }

        await _log.AppendAsync(entry, cancellationToken).ConfigureAwait(false);
        var issue = await _issues.CompleteUnderLeaseAsync(lease, status, cancellationToken).ConfigureAwait(false);
        return new DispatchFinalized(issue, entry, stored);
    }
}
