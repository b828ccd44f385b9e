namespace IssueCore.Council;

/// <summary>
/// A whole run as recorded somewhere else (for example in memory while it executed), to be stored in one go with
/// <see cref="ICouncilRepository.WriteRunAsync"/> or inside a dispatch's final transaction.
/// </summary>
/// <remarks>
/// The events carry their sequence numbers (from 1, strictly increasing) and timestamps; a store that writes the
/// record in one transaction keeps them as given, and later appends to the run continue above the last number.
/// Payloads and the graph must stay valid until the write completes (clone them to keep them).
/// </remarks>
public sealed record CouncilRunRecord
{
    /// <summary>The run, in the status it has now, with its graph.</summary>
    public required CouncilRun Run { get; init; }

    /// <summary>The run's events in sequence order (possibly none).</summary>
    public required IReadOnlyList<CouncilRunEvent> Events { get; init; }

    /// <summary>Throws unless every event names <see cref="Run"/> and the sequence numbers start above 0 and increase.</summary>
    /// <exception cref="ArgumentException">An event is null, names another run, has no kind, or is out of order.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Run);
        ArgumentNullException.ThrowIfNull(Events);
        long previous = 0;
        foreach (var e in Events)
        {
            if (e is null || e.RunId != Run.Id || string.IsNullOrEmpty(e.Kind) || e.Sequence <= previous)
            {
                throw new ArgumentException($"The events of a run record must name run '{Run.Id}', have a kind, and be numbered from 1 in increasing order.", nameof(Events));
            }

            previous = e.Sequence;
        }
    }
}
