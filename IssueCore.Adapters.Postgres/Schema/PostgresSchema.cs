using System.Globalization;
using System.Reflection;
using System.Text;

namespace IssueCore.Adapters.Postgres;

/// <summary>
/// The versioned, forward-only schema of the PostgreSQL adapter. The stores apply it themselves
/// (see <see cref="PostgresStoreOptions.ApplyMigrations"/>); <see cref="GetMigrationScript"/> gives a
/// DBA the same SQL to review and run by hand.
/// </summary>
public static class PostgresSchema
{
    private const string ResourcePrefix = "IssueCore.Adapters.Postgres.Migrations.";

    private static readonly Lazy<IReadOnlyList<Migration>> AllMigrations = new(LoadMigrations);

    /// <summary>The schema version this library writes and reads.</summary>
    public static int LatestVersion => AllMigrations.Value[^1].Version;

    /// <summary>
    /// Returns the SQL that brings <paramref name="schema"/> from <paramref name="fromVersion"/> to
    /// <see cref="LatestVersion"/>: one transaction that takes the same advisory lock as the stores,
    /// creates the schema and its migrations table if needed, runs each migration and records it.
    /// </summary>
    /// <param name="schema">The schema name (see <see cref="PostgresStoreOptions.Schema"/>).</param>
    /// <param name="fromVersion">The version the schema is at now; 0 for an empty database.</param>
    /// <exception cref="ValidationException">The schema name is not valid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromVersion"/> is negative or newer than <see cref="LatestVersion"/>.</exception>
    public static string GetMigrationScript(string schema = PostgresStoreOptions.DefaultSchema, int fromVersion = 0)
    {
        ValidateSchemaName(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromVersion, LatestVersion);
        var sb = new StringBuilder();
        sb.Append("-- IssueCore PostgreSQL schema '").Append(schema).Append("', version ")
          .Append(fromVersion.ToString(CultureInfo.InvariantCulture)).Append(" -> ")
          .Append(LatestVersion.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("BEGIN;\n");
        sb.Append("SELECT pg_advisory_xact_lock(").Append(AdvisoryLockKey(schema).ToString(CultureInfo.InvariantCulture)).Append(");\n");
        sb.Append(PreambleSql(schema)).Append('\n');
        foreach (var m in AllMigrations.Value.Where(m => m.Version > fromVersion))
        {
            sb.Append("\n-- Migration ").Append(m.Version.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(m.Name).Append('\n');
            sb.Append(m.Render(schema)).Append('\n');
            sb.Append("INSERT INTO ").Append(Quote(schema)).Append(".schema_migrations (version, name, applied_at) VALUES (")
              .Append(m.Version.ToString(CultureInfo.InvariantCulture)).Append(", '").Append(m.Name).Append("', now());\n");
        }

        sb.Append("COMMIT;\n");
        return sb.ToString();
    }

    internal static IReadOnlyList<Migration> Migrations => AllMigrations.Value;

    internal static string Quote(string schema) => "\"" + schema + "\"";

    // A channel name is an identifier (at most 63 bytes): the schema plus a suffix, the schema shortened and made unique
    // with a hash of it when both do not fit. Every process computes the same name for one schema.
    internal static string EnqueueChannel(string schema)
    {
        const string Suffix = ".enqueued";
        if (schema.Length + Suffix.Length <= 63)
        {
            return schema + Suffix;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(schema)), 0, 4);
        return schema[..(63 - Suffix.Length - 9)] + "." + hash + Suffix;
    }

    internal static string PreambleSql(string schema)
        => $"CREATE SCHEMA IF NOT EXISTS {Quote(schema)};\n"
           + $"CREATE TABLE IF NOT EXISTS {Quote(schema)}.schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);";

    /// <summary>A stable advisory-lock key per schema, so migrations of one schema serialise across hosts.</summary>
    internal static long AdvisoryLockKey(string schema)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("issuecore.schema:" + schema));
        return BitConverter.ToInt64(hash, 0);
    }

    internal static void ValidateSchemaName(string? schema)
    {
        if (schema is null || !PostgresStoreOptions.SchemaNamePattern().IsMatch(schema))
        {
            throw new ValidationException("$.schema", $"'{schema}' is not a valid schema name (lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters).");
        }
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var list = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            // Names look like "0001_initial.sql".
            var file = name[ResourcePrefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            list.Add(new Migration(version, file[(underscore + 1)..], reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The embedded migrations are not numbered 1..n (found {list[i].Version} at position {i + 1}).");
            }
        }

        return list;
    }

    internal sealed record Migration(int Version, string Name, string Sql)
    {
        public string Render(string schema) => Sql.Replace("{schema}", Quote(schema), StringComparison.Ordinal);
    }
}
