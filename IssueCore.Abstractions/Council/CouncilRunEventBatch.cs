namespace IssueCore.Council;

/// <summary>Checks shared by the implementations of <see cref="ICouncilRepository.AppendEventsAsync"/>.</summary>
public static class CouncilRunEventBatch
{
    /// <summary>Throws unless every draft is non-null, has a kind, and names the same run.</summary>
    /// <exception cref="ArgumentException">A draft is null or has no kind, or the drafts name more than one run.</exception>
    public static void EnsureOneRun(IReadOnlyList<CouncilRunEventDraft> drafts)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        for (var i = 0; i < drafts.Count; i++)
        {
            var draft = drafts[i] ?? throw new ArgumentException("A draft is null.", nameof(drafts));
            ArgumentException.ThrowIfNullOrEmpty(draft.Kind, nameof(drafts));
            if (draft.RunId != drafts[0].RunId)
            {
                throw new ArgumentException("Every draft of one batch must name the same run.", nameof(drafts));
            }
        }
    }

    /// <summary>Throws unless every draft is non-null, has a kind, and names <paramref name="runId"/> (an empty list passes).</summary>
    /// <exception cref="ArgumentException">A draft is null, has no kind, or names another run.</exception>
    public static void EnsureRun(CouncilRunId runId, IReadOnlyList<CouncilRunEventDraft> drafts)
    {
        EnsureOneRun(drafts);
        if (drafts.Count > 0 && drafts[0].RunId != runId)
        {
            throw new ArgumentException($"The drafts name run '{drafts[0].RunId}', not '{runId}'.", nameof(drafts));
        }
    }
}
