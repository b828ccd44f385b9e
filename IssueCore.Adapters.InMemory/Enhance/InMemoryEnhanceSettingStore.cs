using System.Collections.ObjectModel;
using IssueCore.Enhance;

namespace IssueCore.Adapters.InMemory;

/// <summary>An in-memory <see cref="IEnhanceSettingStore"/>. Contents live as long as the instance.</summary>
public sealed class InMemoryEnhanceSettingStore : IEnhanceSettingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<EnhanceSettingId, EnhanceSetting> _settings = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">Accepted for symmetry with the other stores; settings carry no store-assigned time.</param>
    public InMemoryEnhanceSettingStore(TimeProvider? timeProvider = null)
    {
        _ = timeProvider;
    }

    /// <inheritdoc />
    public Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_settings.TryGetValue(id, out var setting) ? setting : null);
        }
    }

    /// <inheritdoc />
    public Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(setting.VerifierAxes);

        // Copy the axes so a caller mutating its list later cannot change the stored setting.
        var stored = setting with { VerifierAxes = new ReadOnlyCollection<string>([.. setting.VerifierAxes]) };
        lock (_gate)
        {
            _settings[id] = stored;
        }

        return Task.CompletedTask;
    }
}
