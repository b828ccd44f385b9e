namespace IssueCore.Enhance;

/// <summary>Stores enhance settings by name.</summary>
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
}
