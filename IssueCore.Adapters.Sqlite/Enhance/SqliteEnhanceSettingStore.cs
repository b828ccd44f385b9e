using System.Runtime.CompilerServices;
using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// <see cref="IEnhanceSettingStore"/> over SQLite: one row per setting name, replaced whole on every put, and every
/// put and delete recorded in the same transaction in the setting's history (the newest
/// <see cref="EnhanceSettingChange.RetainedPerSetting"/> kept).
/// </summary>
public sealed class SqliteEnhanceSettingStore : IEnhanceSettingStore
{
    private const string FindSql = "SELECT orbit_blueprint_id, selector, verifier_axes, ttl_ticks" +
        ", require_approval" +
        " FROM enhance_settings WHERE setting_id = @id;";

    private const string PutSql =
        "INSERT INTO enhance_settings (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, updated_at" +
        ", require_approval" +
        ") VALUES (@id, @orbit, @selector, @axes, @ttl, @now" +
        ", @require_approval" +
        ") ON CONFLICT (setting_id) DO UPDATE SET " +
        "orbit_blueprint_id = excluded.orbit_blueprint_id, selector = excluded.selector, verifier_axes = excluded.verifier_axes, " +
        "ttl_ticks = excluded.ttl_ticks, updated_at = excluded.updated_at" +
        ", require_approval = excluded.require_approval" +
        ";";

    private const string HistorySql =
        "INSERT INTO enhance_setting_history (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, require_approval, changed_by, changed_at) " +
        "VALUES (@id, @orbit, @selector, @axes, @ttl, @require_approval, @by, @now);";

    private const string TrimHistorySql =
        "DELETE FROM enhance_setting_history WHERE setting_id = @id AND seq NOT IN " +
        "(SELECT seq FROM enhance_setting_history WHERE setting_id = @id ORDER BY seq DESC LIMIT @keep);";

    private const string ReadHistorySql =
        "SELECT orbit_blueprint_id, selector, verifier_axes, ttl_ticks, changed_by, changed_at, require_approval FROM enhance_setting_history " +
        "WHERE setting_id = @id ORDER BY seq DESC LIMIT @keep;";

    private const string ListSql = "SELECT setting_id FROM enhance_settings ORDER BY setting_id;";

    private const string DeleteSql = "DELETE FROM enhance_settings WHERE setting_id = @id;";

    private const string LatestText = "latest";
    private const string FixedPrefix = "fixed:";
    private const string SemverPrefix = "semver:";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a shared database.</summary>
    /// <param name="database">The database file (shared with the other SQLite stores).</param>
    public SqliteEnhanceSettingStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync<EnhanceSetting?>(
            "Reading an enhance setting",
            async (session, ct) =>
            {
                var reader = await session.Command(FindSql).With("@id", id.Value).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        return null;
                    }

                    try
                    {
                        return new EnhanceSetting(
                            BlueprintId.Parse(reader.GetString(0)),
                            ParseSelector(reader.GetString(1)),
                            SqliteJson.ReadStrings(reader.GetString(2)),
                            TimeSpan.FromTicks(reader.GetInt64(3)))
                        {
                            RequireApproval = reader.GetInt64(4) != 0,
                        };
                    }
                    catch (Exception ex) when (ex is ValidationException or ArgumentException or System.Text.Json.JsonException)
                    {
                        throw new StorageException($"The stored enhance setting '{id}' is not readable: {ex.Message}", ex);
                    }
                }
            },
            cancellationToken);

    /// <inheritdoc />
    public Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
        => ChangeAsync(id, setting, changedBy: null, cancellationToken);

    /// <inheritdoc />
    public Task ChangeAsync(EnhanceSettingId id, EnhanceSetting setting, string? changedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(setting.Selector);
        ArgumentNullException.ThrowIfNull(setting.VerifierAxes);
        var selector = FormatSelector(setting.Selector);
        var axes = SqliteJson.WriteStrings(setting.VerifierAxes);
        return _database.WriteAsync(
            "Storing an enhance setting",
            async (session, ct) =>
            {
                var now = SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow());
                await session.Command(PutSql)
                    .With("@id", id.Value)
                    .With("@orbit", setting.OrbitBlueprintId.Value)
                    .With("@selector", selector)
                    .With("@axes", axes)
                    .With("@ttl", setting.Ttl.Ticks)
                    .With("@require_approval", setting.RequireApproval ? 1 : 0)
                    .With("@now", now)
                    .ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await RecordAsync(session, id, setting.OrbitBlueprintId.Value, selector, axes, setting.Ttl.Ticks, setting.RequireApproval, changedBy, now, ct).ConfigureAwait(false);
                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EnhanceSettingId> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Settings are few (one per dispatcher configuration): one read is the whole list.
        var names = await _database.ReadAsync(
            "Listing enhance settings",
            async (session, ct) =>
            {
                var list = new List<string>();
                var reader = await session.Command(ListSql).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        list.Add(reader.GetString(0));
                    }
                }

                return list;
            },
            cancellationToken).ConfigureAwait(false);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return EnhanceSettingId.Parse(name);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(EnhanceSettingId id, string? changedBy = null, CancellationToken cancellationToken = default)
        => _database.WriteAsync(
            "Deleting an enhance setting",
            async (session, ct) =>
            {
                var deleted = await session.Command(DeleteSql).With("@id", id.Value).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (deleted == 0)
                {
                    return false;
                }

                var now = SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow());
                await RecordAsync(session, id, null, null, null, null, null, changedBy, now, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<EnhanceSettingChange>> GetHistoryAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
        => _database.ReadAsync<IReadOnlyList<EnhanceSettingChange>>(
            "Reading enhance setting history",
            async (session, ct) =>
            {
                var changes = new List<EnhanceSettingChange>();
                var reader = await session.Command(ReadHistorySql).With("@id", id.Value).With("@keep", EnhanceSettingChange.RetainedPerSetting).ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        EnhanceSetting? setting = null;
                        if (!reader.IsDBNull(0))
                        {
                            try
                            {
                                setting = new EnhanceSetting(
                                    BlueprintId.Parse(reader.GetString(0)),
                                    ParseSelector(reader.GetString(1)),
                                    SqliteJson.ReadStrings(reader.GetString(2)),
                                    TimeSpan.FromTicks(reader.GetInt64(3)))
                                {
                                    RequireApproval = !reader.IsDBNull(6) && reader.GetInt64(6) != 0,
                                };
                            }
                            catch (Exception ex) when (ex is ValidationException or ArgumentException or System.Text.Json.JsonException)
                            {
                                throw new StorageException($"A stored change of enhance setting '{id}' is not readable: {ex.Message}", ex);
                            }
                        }

                        changes.Add(new EnhanceSettingChange(id, setting, reader.GetStringOrNull(4), SqliteTime.FromTicks(reader.GetInt64(5))));
                    }
                }

                return changes;
            },
            cancellationToken);

    private static async Task RecordAsync(SqliteSession session, EnhanceSettingId id, string? orbit, string? selector, string? axes, long? ttl, bool? requireApproval, string? changedBy, long now, CancellationToken ct)
    {
        await session.Command(HistorySql)
            .With("@id", id.Value)
            .With("@orbit", orbit)
            .With("@selector", selector)
            .With("@axes", axes)
            .With("@ttl", ttl)
            .With("@require_approval", requireApproval is { } required ? (object)(required ? 1 : 0) : null)
            .With("@by", changedBy)
            .With("@now", now)
            .ExecuteNonQueryAsync(ct).ConfigureAwait(false);

        // Bounded: the oldest changes of this setting fall off past the retention.
        await session.Command(TrimHistorySql).With("@id", id.Value).With("@keep", EnhanceSettingChange.RetainedPerSetting).ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string FormatSelector(VersionSelector selector) => selector switch
    {
        LatestVersionSelector => LatestText,
        FixedVersionSelector f => FixedPrefix + f.Version.Value,
        SemverRangeVersionSelector s => SemverPrefix + s.Range,
        _ => throw new ArgumentException($"Unknown version selector {selector.GetType().Name}.", nameof(selector)),
    };

    private static VersionSelector ParseSelector(string text)
    {
        if (text == LatestText)
        {
            return VersionSelector.Latest;
        }

        if (text.StartsWith(FixedPrefix, StringComparison.Ordinal))
        {
            return VersionSelector.Fixed(BlueprintVersion.Parse(text[FixedPrefix.Length..]));
        }

        if (text.StartsWith(SemverPrefix, StringComparison.Ordinal))
        {
            return VersionSelector.SemverRange(text[SemverPrefix.Length..]);
        }

        throw new StorageException($"Unknown stored version selector '{text}'.");
    }
}
