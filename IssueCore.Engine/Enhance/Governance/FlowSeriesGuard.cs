using IssueCore.Blueprints;
using IssueCore.Issues;

namespace IssueCore.Enhance.Governance;

/// <summary>
/// Tells whether a Blueprint series is a flow series: the built-in <c>enhance-default</c> series, or the orbit series
/// of the enhance setting this host dispatches with (<see cref="EnhanceApplicationOptions.SettingId"/>). Ordinary issues
/// may not target a flow series: an issue that could change the flow that judges issues could approve itself and
/// everything after it. Ingestion and <see cref="EnhanceApplication.HandleAsync"/> refuse such an issue, and the
/// dispatcher rejects one that got in before the setting named its series; a host changes a flow series through
/// <see cref="EnhanceApplication.ChangeFlowAsync"/> instead.
/// </summary>
internal sealed class FlowSeriesGuard(IEnhanceSettingStore? settings, EnhanceSettingId settingId)
{
    /// <summary>The reason an ordinary issue may not target <paramref name="target"/>, or <see langword="null"/> when it may.</summary>
    /// <param name="target">The issue's target series.</param>
    /// <param name="cancellationToken">Cancels the setting read.</param>
    public async Task<string?> WhyProtectedAsync(BlueprintId target, CancellationToken cancellationToken = default)
    {
        if (target == EnhanceDefaults.BlueprintId)
        {
            return WhyProtected(target, null, settingId);
        }

        var setting = settings is null ? null : await settings.FindAsync(settingId, cancellationToken).ConfigureAwait(false);
        return WhyProtected(target, setting, settingId);
    }

    /// <summary>As <see cref="WhyProtectedAsync"/>, with the setting already read (<see langword="null"/> when none is stored).</summary>
    public static string? WhyProtected(BlueprintId target, EnhanceSetting? setting, EnhanceSettingId settingId)
    {
        if (setting is not null && target == setting.OrbitBlueprintId)
        {
            return $"'{target}' is the flow series of enhance setting '{settingId}': an ordinary issue may not change the flow that judges issues (a host changes it with EnhanceApplication.ChangeFlowAsync)";
        }

        if (target == EnhanceDefaults.BlueprintId)
        {
            return $"'{target}' is the built-in enhance flow series: an ordinary issue may not change the flow that judges issues (a host changes it with EnhanceApplication.ChangeFlowAsync)";
        }

        return null;
    }

    /// <summary>The enhance log entry of an issue the dispatcher rejects because it targets a flow series.</summary>
    public static EnhanceLogEntry RejectionEntry(Issue issue, BlueprintVersion head, string why, DateTimeOffset timestamp) => new()
    {
        IssueId = issue.Id,
        BlueprintId = issue.BlueprintId,
        PreviousVersion = head,
        Intent = issue.Intent,
        Rationale = issue.Rationale ?? issue.Intent,
        Outcome = EnhanceOutcome.Rejected,
        Reasons = ["flow series: " + why],
        Timestamp = timestamp,
    };
}
