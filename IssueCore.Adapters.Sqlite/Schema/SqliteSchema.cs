using System.Globalization;
using System.Text;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// The versioned SQLite schema. Migrations are embedded in this assembly, forward-only, and applied
/// by <see cref="SqliteDatabase"/> on first use inside one <c>BEGIN IMMEDIATE</c> transaction; the
/// applied version is kept in <c>PRAGMA user_version</c>.
/// </summary>
public static class SqliteSchema
{
    private const string ResourcePrefix = "IssueCore.Adapters.Sqlite.Schema.";

    private static readonly Lazy<IReadOnlyList<SqliteMigration>> LazyMigrations = new(LoadMigrations);

    /// <summary>The schema version this library writes and reads.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    internal static IReadOnlyList<SqliteMigration> Migrations => LazyMigrations.Value;

    /// <summary>
    /// Returns the whole schema as one SQL script a DBA can review and run (for example with the
    /// <c>sqlite3</c> shell) to install or upgrade a file from <paramref name="fromVersion"/> to
    /// <see cref="LatestVersion"/>. The script switches the file to WAL, runs in one transaction and
    /// sets <c>PRAGMA user_version</c>.
    /// </summary>
    /// <param name="fromVersion">The version the file is at (0 for an empty file).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromVersion"/> is negative or newer than <see cref="LatestVersion"/>.</exception>
    public static string GetScript(int fromVersion = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromVersion, LatestVersion);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"-- IssueCore SQLite schema: version {fromVersion} to {LatestVersion}.\n");
        if (fromVersion == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"PRAGMA page_size = {SqliteStoreOptions.DefaultPageSize};\n");
        }

        sb.Append("PRAGMA journal_mode = WAL;\n");
        sb.Append("BEGIN IMMEDIATE;\n");
        foreach (var migration in Migrations)
        {
            if (migration.Version <= fromVersion)
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"\n-- Migration {migration.Version}: {migration.Name}\n");
            sb.Append(migration.Sql.TrimEnd()).Append('\n');
            sb.Append(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migration.Version};\n");
        }

        sb.Append("COMMIT;\n");
        return sb.ToString();
    }

    private static List<SqliteMigration> LoadMigrations()
    {
        var assembly = typeof(SqliteSchema).Assembly;
        var migrations = new List<SqliteMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new SqliteMigration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The embedded migrations must be numbered 1, 2, 3... without gaps; found {migrations[i].Name} at position {i + 1}.");
            }
        }

        return migrations;
    }
}
