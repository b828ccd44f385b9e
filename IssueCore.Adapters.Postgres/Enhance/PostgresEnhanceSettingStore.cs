using System.Text.Json;
using System.Text.Json.Nodes;
using IssueCore.Adapters.Postgres.Storage;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Json;

namespace IssueCore.Adapters.Postgres;

/// <summary>Enhance settings on PostgreSQL, one row per name holding the setting as canonical JSON.</summary>
public sealed class PostgresEnhanceSettingStore : IEnhanceSettingStore
{
    private readonly PostgresDatabase _db;
    private readonly string _find;
    private readonly string _put;

    /// <summary>Creates the store.</summary>
    /// <param name="database">The shared data source, schema and clock.</param>
    public PostgresEnhanceSettingStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        var t = PostgresSchema.Quote(database.Schema) + ".enhance_settings";
        _find = $"SELECT setting FROM {t} WHERE id = @id";
        _put = $"INSERT INTO {t} (id, setting, updated_at) VALUES (@id, @setting, @now) ON CONFLICT (id) DO UPDATE SET setting = excluded.setting, updated_at = excluded.updated_at";
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
    public async Task PutAsync(EnhanceSettingId id, EnhanceSetting setting, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var text = Serialize(setting);
        await _db.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _db.DataSource.CreateCommand(_put);
            command.AddText("id", id.Value);
            command.AddText("setting", text);
            command.AddTime("now", _db.TimeProvider.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.IsProvider(ex))
        {
            throw PostgresErrors.Translate(ex, $"store enhance setting '{id}'");
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
