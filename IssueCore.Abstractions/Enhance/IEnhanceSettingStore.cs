namespace IssueCore.Enhance;

/// <summary>
/// Stores enhance settings by name. Stores that implement the history members record every put and delete with who
/// made it and when, keeping the newest <see cref="EnhanceSettingChange.RetainedPerSetting"/> changes per name.
/// </summary>
public interface IEnhanceSettingStore
{
    /// <summary>Returns the setting, or <see langword="null"/> when none is stored under that name.</summary>
    Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default);

    /// <summary>Stores (creates or replaces) the setting.</summary>
    Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default);

    /// <summary>Returns the setting.</summary>
    /// <exception cref="NotFoundException">None is stored under that name.</exception>
    async Task<EnhanceSetting> GetAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
        => await FindAsync(id, cancellationToken).ConfigureAwait(false)
           ?? throw new NotFoundException("enhance setting", id.Value);

    /// <summary>Stores (creates or replaces) the setting and records the change with who made it.</summary>
    /// <param name="id">The setting name.</param>
    /// <param name="setting">The new value.</param>
    /// <param name="changedBy">Who makes the change (free text, for example an operator id), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <remarks>The default implementation calls <see cref="PutAsync(EnhanceSettingId, EnhanceSetting, CancellationToken)"/> and records nothing.</remarks>
    Task ChangeAsync(EnhanceSettingId id, EnhanceSetting setting, string? changedBy, CancellationToken cancellationToken = default)
        => PutAsync(id, setting, cancellationToken);

    /// <summary>Lists the names of the stored settings in ordinal order.</summary>
    /// <exception cref="NotSupportedException">The store does not implement listing (the default implementation).</exception>
    IAsyncEnumerable<EnhanceSettingId> ListAsync(CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} does not list enhance settings.");

    /// <summary>Deletes a setting and records the delete in its history.</summary>
    /// <param name="id">The setting name.</param>
    /// <param name="changedBy">Who deletes it, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns><see langword="true"/> when a setting was deleted; <see langword="false"/> (and nothing recorded) when none was stored.</returns>
    /// <exception cref="NotSupportedException">The store does not implement deleting (the default implementation).</exception>
    Task<bool> DeleteAsync(EnhanceSettingId id, string? changedBy = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} does not delete enhance settings.");

    /// <summary>
    /// Returns the recorded changes of a setting, newest first (the first is the current value unless the setting was
    /// deleted), at most <see cref="EnhanceSettingChange.RetainedPerSetting"/>. Empty when nothing was ever recorded.
    /// </summary>
    /// <exception cref="NotSupportedException">The store does not keep history (the default implementation).</exception>
    Task<IReadOnlyList<EnhanceSettingChange>> GetHistoryAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
        => throw new NotSupportedException($"{GetType().Name} does not keep enhance setting history.");
}
