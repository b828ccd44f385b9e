using IssueCore.Blueprints;
using IssueCore.Enhance;

namespace IssueCore.Adapters.Sqlite;

/// <summary><see cref="IEnhanceSettingStore"/> over SQLite: one row per setting name, replaced whole on every put.</summary>
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
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(setting.Selector);
        ArgumentNullException.ThrowIfNull(setting.VerifierAxes);
        var selector = FormatSelector(setting.Selector);
        return _database.WriteAsync(
            "Storing an enhance setting",
            (session, ct) => session.Command(PutSql)
                .With("@id", id.Value)
                .With("@orbit", setting.OrbitBlueprintId.Value)
                .With("@selector", selector)
                .With("@axes", SqliteJson.WriteStrings(setting.VerifierAxes))
                .With("@ttl", setting.Ttl.Ticks)
                .With("@require_approval", setting.RequireApproval ? 1 : 0)
                .With("@now", SqliteTime.ToTicks(_database.TimeProvider.GetUtcNow()))
                .ExecuteNonQueryAsync(ct),
            cancellationToken);
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
