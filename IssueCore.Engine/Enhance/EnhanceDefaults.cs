using IssueCore.Blueprints;

namespace IssueCore.Enhance;

/// <summary>
/// The built-in <c>enhance-default</c> flow and a helper that installs it. The flow is
/// <c>seq[patch-spawner → patch-applier → fanout(verifier-router over $.verifiers, join all) → committer]</c>;
/// the spawner, applier and committer are Lua scripts registered with the engine as
/// <c>enhance.patch-spawner</c>, <c>enhance.patch-applier</c> and <c>enhance.committer</c>.
/// </summary>
/// <remarks>
/// Nothing is installed implicitly: call <see cref="EnhanceApplication.InstallDefaultFlowAsync"/> (or
/// <see cref="InstallAsync"/>) once at start-up (it is idempotent), or write your own orbit flow and setting.
/// </remarks>
public static class EnhanceDefaults
{
    /// <summary>The id of the built-in flow's series: <c>enhance-default</c>.</summary>
    public static BlueprintId BlueprintId { get; } = BlueprintId.Parse("enhance-default");

    /// <summary>The embedded <c>enhance-default</c> flow Blueprint (its <c>metadata.version_label</c> is a semantic version).</summary>
    public static Blueprint Blueprint { get; } = LoadBlueprint();

    /// <summary>The TTL of the setting <see cref="InstallAsync"/> creates: 5 minutes.</summary>
    public static TimeSpan DefaultTtl { get; } = TimeSpan.FromMinutes(5);

    internal const string ScriptResourcePrefix = "IssueCore.Enhance.Scripts.";

    /// <summary>
    /// Installs the built-in flow and a default setting, idempotently: writes <see cref="Blueprint"/> as the first
    /// version of the <c>enhance-default</c> series when that series does not exist (an existing series is never
    /// changed), and stores the setting <c>{enhance-default, Latest, [des, canonical, noop, agent-ref], 5 min}</c>
    /// under <paramref name="settingId"/> when none is stored (an existing setting is never changed).
    /// </summary>
    /// <param name="blueprints">The Blueprint store.</param>
    /// <param name="settings">The enhance setting store.</param>
    /// <param name="settingId">The setting to create; <see langword="null"/> is <see cref="EnhanceSettingId.Default"/>.</param>
    /// <param name="cancellationToken">Cancels the installation.</param>
    /// <returns>The setting in effect under <paramref name="settingId"/>.</returns>
    public static async Task<EnhanceSetting> InstallAsync(IBlueprintStore blueprints, IEnhanceSettingStore settings, EnhanceSettingId? settingId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blueprints);
        ArgumentNullException.ThrowIfNull(settings);
        if (!await SeriesExistsAsync(blueprints, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await blueprints.WriteNewAsync(BlueprintId, Blueprint, [], new CommitMetadata("Install the built-in enhance flow.", Origin: "seed"), cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException)
            {
                // Another process installed it first; anything else is a real conflict.
                if (!await SeriesExistsAsync(blueprints, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }

        var id = settingId ?? EnhanceSettingId.Default;
        var existing = await settings.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        var setting = new EnhanceSetting(BlueprintId, VersionSelector.Latest, EnhanceSetting.BuiltInAxes, DefaultTtl);
        await settings.PutAsync(id, setting, cancellationToken).ConfigureAwait(false);
        return setting;
    }

    private static async Task<bool> SeriesExistsAsync(IBlueprintStore blueprints, CancellationToken cancellationToken)
    {
        try
        {
            await blueprints.ReadHeadAsync(BlueprintId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static Blueprint LoadBlueprint()
    {
        using var stream = typeof(EnhanceDefaults).Assembly.GetManifestResourceStream("IssueCore.Enhance.enhance-default.json")
            ?? throw new InvalidOperationException("The embedded enhance-default Blueprint is missing.");
        using var reader = new StreamReader(stream);
        return Blueprint.Parse(reader.ReadToEnd());
    }
}
