using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using IssueCore.Enhance;

namespace IssueCore.Adapters.InMemory;

/// <summary>
/// An in-memory <see cref="IEnhanceSettingStore"/> with history: every put and delete is recorded with who and when,
/// the newest <see cref="EnhanceSettingChange.RetainedPerSetting"/> per name kept. Contents live as long as the instance.
/// </summary>
public sealed class InMemoryEnhanceSettingStore : IEnhanceSettingStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly SortedDictionary<string, EnhanceSetting> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<EnhanceSettingId, LinkedList<EnhanceSettingChange>> _history = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for the change timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryEnhanceSettingStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_settings.TryGetValue(id.Value, out var setting) ? setting : null);
        }
    }

    /// <inheritdoc />
    public Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
        => ChangeAsync(id, setting, changedBy: null, cancellationToken);

    /// <inheritdoc />
    public Task ChangeAsync(EnhanceSettingId id, EnhanceSetting setting, string? changedBy, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(setting.VerifierAxes);

        // Copy the axes so a caller mutating its list later cannot change the stored setting.
        var stored = setting with { VerifierAxes = new ReadOnlyCollection<string>([.. setting.VerifierAxes]) };
        lock (_gate)
        {
            _settings[id.Value] = stored;
            Record(new EnhanceSettingChange(id, stored, changedBy, _timeProvider.GetUtcNow()));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EnhanceSettingId> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string[] names;
        lock (_gate)
        {
            names = [.. _settings.Keys];
        }

        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return EnhanceSettingId.Parse(name);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(EnhanceSettingId id, string? changedBy = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_settings.Remove(id.Value))
            {
                return Task.FromResult(false);
            }

            Record(new EnhanceSettingChange(id, null, changedBy, _timeProvider.GetUtcNow()));
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EnhanceSettingChange>> GetHistoryAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<EnhanceSettingChange> changes = _history.TryGetValue(id, out var list) ? [.. list] : [];
            return Task.FromResult(changes);
        }
    }

    private void Record(EnhanceSettingChange change)
    {
        if (!_history.TryGetValue(change.SettingId, out var list))
        {
            list = new LinkedList<EnhanceSettingChange>();
            _history.Add(change.SettingId, list);
        }

        // Newest first; the oldest falls off past the retention.
        list.AddFirst(change);
        while (list.Count > EnhanceSettingChange.RetainedPerSetting)
        {
            list.RemoveLast();
        }
    }
}
