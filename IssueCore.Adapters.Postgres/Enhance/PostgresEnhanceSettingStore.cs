using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Json;
using Npgsql;
using NpgsqlTypes;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// Enhance settings on PostgreSQL, one row per name holding the setting as canonical JSON, and every put and delete
/// recorded in the same transaction in the setting's history (the newest <see cref="EnhanceSettingChange.RetainedPerSetting"/> kept).
/// </summary>
public sealed class PostgresEnhanceSettingStore : IEnhanceSettingStore
{
    private readonly PostgresDatabase _db;
    private readonly string _find;
    private readonly string _put;
    private readonly string _list;
    private readonly string _delete;
    private readonly string _record;
    private readonly string _trim;
    private readonly string _history;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresEnhanceSettingStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        var t = PostgresSchema.Quote(database.Schema) + ".enhance_settings";
        _find = $"SELECT setting FROM {t} WHERE id = @id";
        _put = $"INSERT INTO {t} (id, setting, updated_at) VALUES (@id, @setting, @now) ON CONFLICT (id) DO UPDATE SET setting = excluded.setting, updated_at = excluded.updated_at";
        var h = PostgresSchema.Quote(database.Schema) + ".enhance_setting_history";
        _list = $"SELECT id FROM {t} ORDER BY id COLLATE \"C\"";
        _delete = $"DELETE FROM {t} WHERE id = @id";
        _record = $"INSERT INTO {h} (setting_id, setting, changed_by, changed_at) VALUES (@id, @setting, @by, @now)";
        _trim = $"DELETE FROM {h} WHERE setting_id = @id AND seq NOT IN (SELECT seq FROM {h} WHERE setting_id = @id ORDER BY seq DESC LIMIT @keep)";
        _history = $"SELECT setting, changed_by, changed_at FROM {h} WHERE setting_id = @id ORDER BY seq DESC LIMIT @keep";
    }

    /// <inheritdoc />
    public async Task<EnhanceSetting?> FindAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        string? text;
        try
        {
            await using var command = _db.DataSource.CreateCommand(_find);
            command.AddText("id", id.Value);
            text = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read enhance setting '{id}'");
        }

        return text is null ? null : Deserialize(id, text);
    }

    /// <inheritdoc />
    public Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
        => ChangeAsync(id, setting, changedBy: null, cancellationToken);

    /// <inheritdoc />
    public async Task ChangeAsync(EnhanceSettingId id, EnhanceSetting setting, string? changedBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var text = Serialize(setting);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = _db.TimeProvider.GetUtcNow();
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(_put, connection, tx))
            {
                command.AddText("id", id.Value);
                command.AddText("setting", text);
                command.AddTime("now", now);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await RecordAsync(connection, tx, id, text, changedBy, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"store enhance setting '{id}'");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EnhanceSettingId> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);

        // Settings are few (one per dispatcher configuration): one read is the whole list.
        var names = new List<string>();
        try
        {
            await using var command = _db.DataSource.CreateCommand(_list);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add(reader.GetString(0));
            }
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, "list enhance settings");
        }

        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return EnhanceSettingId.Parse(name);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(EnhanceSettingId id, string? changedBy = null, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var now = _db.TimeProvider.GetUtcNow();
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            int deleted;
            await using (var command = new NpgsqlCommand(_delete, connection, tx))
            {
                command.AddText("id", id.Value);
                deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (deleted == 0)
            {
                return false;
            }

            await RecordAsync(connection, tx, id, null, changedBy, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"delete enhance setting '{id}'");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EnhanceSettingChange>> GetHistoryAsync(EnhanceSettingId id, CancellationToken cancellationToken = default)
    {
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string? Setting, string? By, DateTimeOffset At)>();
        try
        {
            await using var command = _db.DataSource.CreateCommand(_history);
            command.AddText("id", id.Value);
            command.Add("keep", NpgsqlDbType.Integer, EnhanceSettingChange.RetainedPerSetting);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.NullableString(0), reader.NullableString(1), reader.Time(2)));
            }
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"read the history of enhance setting '{id}'");
        }

        return [.. rows.Select(r => new EnhanceSettingChange(id, r.Setting is null ? null : Deserialize(id, r.Setting), r.By, r.At))];
    }

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, EnhanceSettingId id, string? text, string? changedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(_record, connection, tx))
        {
            command.AddText("id", id.Value);
            command.AddText("setting", text);
            command.AddText("by", changedBy);
            command.AddTime("now", now);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Bounded: the oldest changes of this setting fall off past the retention.
        await using (var trim = new NpgsqlCommand(_trim, connection, tx))
        {
            trim.AddText("id", id.Value);
            trim.Add("keep", NpgsqlDbType.Integer, EnhanceSettingChange.RetainedPerSetting);
            await trim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Serialize(EnhanceSetting setting)
    {
        var selector = setting.Selector switch
        {
            LatestVersionSelector => new JsonObject { ["kind"] = "latest" },
            FixedVersionSelector f => new JsonObject { ["kind"] = "fixed", ["version"] = f.Version.Value },
            SemverRangeVersionSelector r => new JsonObject { ["kind"] = "semver", ["range"] = r.Range },
            _ => throw new ArgumentException($"Unknown version selector {setting.Selector}.", nameof(setting)),
        };
        var axes = new JsonArray();
        foreach (var axis in setting.VerifierAxes)
        {
            axes.Add(axis);
        }

        var node = new JsonObject
        {
            ["orbit_blueprint_id"] = setting.OrbitBlueprintId.Value,
            ["selector"] = selector,
            ["verifier_axes"] = axes,
            ["ttl_ticks"] = setting.Ttl.Ticks,
        };
        if (setting.RequireApproval)
        {
            // Written only when set, so a setting without approval keeps the document older code wrote.
            node["require_approval"] = true;
        }

        return CanonicalJson.Serialize(node);
    }

    private static EnhanceSetting Deserialize(EnhanceSettingId id, string text)
    {
        try
        {
            var root = Sql.ReadCanonical(text, $"enhance setting '{id}'");
            var selector = root.GetProperty("selector");
            var kind = selector.GetProperty("kind").GetString();
            VersionSelector parsed = kind switch
            {
                "latest" => VersionSelector.Latest,
                "fixed" => VersionSelector.Fixed(BlueprintVersion.Parse(selector.GetProperty("version").GetString()!)),
                "semver" => VersionSelector.SemverRange(selector.GetProperty("range").GetString()!),
                _ => throw new StorageException($"The stored enhance setting '{id}' has an unknown selector kind '{kind}'."),
            };
            var axes = root.GetProperty("verifier_axes").EnumerateArray().Select(a => a.GetString()!).ToArray();
            return new EnhanceSetting(
                BlueprintId.Parse(root.GetProperty("orbit_blueprint_id").GetString()!),
                parsed,
                axes,
                TimeSpan.FromTicks(root.GetProperty("ttl_ticks").GetInt64()))
            {
                RequireApproval = root.TryGetProperty("require_approval", out var approval) && approval.GetBoolean(),
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ValidationException)
        {
            throw new StorageException($"The stored enhance setting '{id}' could not be read.", ex);
        }
    }
}
