namespace IssueCore.Enhance.Spawning;

/// <summary>
/// Records a spawner registered with <c>AddIssueCorePatchSpawner</c> (keyed services cannot be listed):
/// <see cref="SettingId"/> is the enhance setting it serves, or <see langword="null"/> for every setting without its own.
/// </summary>
internal sealed record PatchSpawnerRegistration(string? SettingId)
{
    /// <summary>The service key the spawner is registered under.</summary>
    public string Key => KeyFor(SettingId);

    public static string KeyFor(string? settingId) => settingId is null ? "issuecore.patch-spawner:*" : "issuecore.patch-spawner:setting:" + settingId;
}
