using IssueCore.Blueprints;

namespace IssueCore;

/// <summary>
/// A write was refused because its Blueprint series is archived (see <see cref="IBlueprintStore.SetArchivedAsync"/>).
/// Nothing was written. Unarchive the series to write to it again. A retry cannot cure this, so the dispatcher
/// rejects an issue for an archived series at once.
/// </summary>
public sealed class ArchivedSeriesException : IssueCoreException
{
    /// <summary>Creates the exception for a series.</summary>
    /// <param name="blueprintId">The archived series.</param>
    public ArchivedSeriesException(BlueprintId blueprintId)
        : base($"series '{blueprintId.Value}' is archived: unarchive it (IBlueprintStore.SetArchivedAsync) before writing to it.")
    {
        BlueprintId = blueprintId;
    }

    /// <summary>The archived series.</summary>
    public BlueprintId BlueprintId { get; }
}
