using System.Collections.Concurrent;
using IssueCore.Blueprints;
using NuGet.Versioning;

namespace IssueCore.Enhance;

/// <summary>
/// Resolves the orbit flow Blueprint an enhance setting selects. Labels are cached per version: a version is its
/// content, so its label never changes.
/// </summary>
internal sealed class OrbitFlowResolver(IBlueprintStore blueprints, int historyLimit)
{
    private const int MaxCachedLabels = 10_000;
    private readonly ConcurrentDictionary<BlueprintVersion, string?> _labels = new();

    public async Task<Blueprint> ResolveAsync(EnhanceSetting setting, CancellationToken cancellationToken)
    {
        switch (setting.Selector)
        {
            case LatestVersionSelector:
                return (await blueprints.ReadHeadAsync(setting.OrbitBlueprintId, cancellationToken).ConfigureAwait(false)).Value;
            case FixedVersionSelector fixedSelector:
                return (await blueprints.ReadVersionAsync(setting.OrbitBlueprintId, fixedSelector.Version, cancellationToken).ConfigureAwait(false)).Value;
            case SemverRangeVersionSelector semver:
                var version = await ResolveSemverAsync(setting.OrbitBlueprintId, semver.Range, cancellationToken).ConfigureAwait(false);
                return (await blueprints.ReadVersionAsync(setting.OrbitBlueprintId, version, cancellationToken).ConfigureAwait(false)).Value;
            default:
                throw new ValidationException("$.selector", $"Unknown version selector '{setting.Selector}'.");
        }
    }

    private async Task<BlueprintVersion> ResolveSemverAsync(BlueprintId id, string rangeText, CancellationToken cancellationToken)
    {
        var range = SemverRanges.Parse(rangeText);
        var history = await blueprints.HistoryAsync(id, historyLimit, cancellationToken).ConfigureAwait(false);
        BlueprintVersion? best = null;
        NuGetVersion? bestLabel = null;
        foreach (var commit in history)
        {
            var label = await LabelAsync(id, commit.Version, cancellationToken).ConfigureAwait(false);
            if (label is null || !SemanticVersion.TryParse(label, out _) || !NuGetVersion.TryParse(label, out var parsed))
            {
                throw new ValidationException(
                    "$.metadata.version_label",
                    $"Version {commit.Version.Short} of '{id}' has version_label {(label is null ? "(none)" : $"'{label}'")}, which is not a semantic version, so the range '{rangeText}' cannot be resolved.");
            }

            if (SemverRanges.Satisfies(range, parsed) && (bestLabel is null || parsed > bestLabel))
            {
                best = commit.Version;
                bestLabel = parsed;
            }
        }

        return best ?? throw new NotFoundException($"version of '{id}' whose version_label satisfies", rangeText);
    }

    private async Task<string?> LabelAsync(BlueprintId id, BlueprintVersion version, CancellationToken cancellationToken)
    {
        if (_labels.TryGetValue(version, out var cached))
        {
            return cached;
        }

        var label = (await blueprints.ReadVersionAsync(id, version, cancellationToken).ConfigureAwait(false)).Value.VersionLabel;
        if (_labels.Count >= MaxCachedLabels)
        {
            _labels.Clear();
        }

        _labels[version] = label;
        return label;
    }
}
