using IssueCore.Blueprints;

namespace IssueCore.Ingestion;

/// <summary>
/// Maps an ingestion request's <see cref="IngestionRequest.TargetRepo"/> (or explicit
/// <see cref="IngestionRequest.BlueprintId"/>) to the Blueprint series the issue targets. Register
/// your own to map repository names that are not valid Blueprint ids; the default uses the name as is.
/// </summary>
public interface IBlueprintResolver
{
    /// <summary>Resolves the target series.</summary>
    /// <param name="request">The request; <see cref="IngestionRequest.TargetRepo"/> is non-empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The Blueprint id.</returns>
    /// <exception cref="ValidationException">The target cannot be mapped; the error's path names the offending member.</exception>
    ValueTask<BlueprintId> ResolveAsync(IngestionRequest request, CancellationToken cancellationToken = default);
}
