using IssueCore.Blueprints;

namespace IssueCore.Ingestion;

/// <summary>Uses <c>blueprint_id</c> when given, else <c>target_repo</c>, as the Blueprint id.</summary>
internal sealed class DefaultBlueprintResolver : IBlueprintResolver
{
    public ValueTask<BlueprintId> ResolveAsync(IngestionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (text, path) = request.BlueprintId is { } explicitId
            ? (explicitId, "$.blueprint_id")
            : (request.TargetRepo, "$.target_repo");

        return BlueprintId.TryParse(text, null, out var id)
            ? ValueTask.FromResult(id)
            : throw new ValidationException(path, "must be a Blueprint id: 1-200 characters of letters, digits, '-', '_', '.' or ':'.");
    }
}
