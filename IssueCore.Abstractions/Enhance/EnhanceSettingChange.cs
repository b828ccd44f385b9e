namespace IssueCore.Enhance;

/// <summary>
/// One recorded change of an enhance setting: a put (<see cref="Setting"/> is the value written) or a delete
/// (<see cref="Setting"/> is <see langword="null"/>), with who made it and when.
/// </summary>
/// <param name="SettingId">The setting that changed.</param>
/// <param name="Setting">The value written, or <see langword="null"/> for a delete.</param>
/// <param name="ChangedBy">Who made the change as the caller named it, or <see langword="null"/> when the caller did not say.</param>
/// <param name="ChangedAt">When the store recorded the change (from the store's <see cref="TimeProvider"/>).</param>
public sealed record EnhanceSettingChange(
    EnhanceSettingId SettingId,
    EnhanceSetting? Setting,
    string? ChangedBy,
    DateTimeOffset ChangedAt)
{
    /// <summary>
    /// How many changes a store keeps per setting name: <c>50</c>. Older ones are dropped when a newer one is
    /// recorded, so a setting's history stays bounded however often it is edited.
    /// </summary>
    public const int RetainedPerSetting = 50;

    /// <summary>Whether this change deleted the setting.</summary>
    public bool Deleted => Setting is null;
}
