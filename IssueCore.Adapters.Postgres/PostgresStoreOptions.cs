using System.Text.RegularExpressions;

namespace IssueCore.Adapters.Postgres;

/// <summary>Options of the PostgreSQL adapter.</summary>
public sealed partial class PostgresStoreOptions
{
    /// <summary>The default schema: <c>issuecore</c>.</summary>
    public const string DefaultSchema = "issuecore";

    /// <summary>
    /// The Npgsql connection string. Required by <c>UsePostgres</c>; pooling follows the connection
    /// string (on by default).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The schema that holds every IssueCore table. Lower-case letters, digits and <c>_</c>, starting
    /// with a letter or <c>_</c>, at most 63 characters. Defaults to <see cref="DefaultSchema"/>.
    /// Separate schemas isolate separate deployments (or tests) in one database.
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Whether the stores install or upgrade the schema themselves before their first operation
    /// (under a transaction-scoped advisory lock, so hosts starting together are safe). Defaults to
    /// <see langword="true"/>. When <see langword="false"/>, a DBA applies
    /// <see cref="PostgresSchema.GetMigrationScript"/> and the stores only check the schema version.
    /// </summary>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>
    /// Which clock judges and sets issue leases. Defaults to <see cref="PostgresLeaseClock.Database"/>, the server's
    /// clock, so hosts with skewed clocks cannot take each other's live leases.
    /// </summary>
    public PostgresLeaseClock LeaseClock { get; set; } = PostgresLeaseClock.Database;

    /// <summary>Throws when the options are not usable.</summary>
    /// <exception cref="ValidationException">The schema name is not valid.</exception>
    public void Validate() => PostgresSchema.ValidateSchemaName(Schema);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    internal static partial Regex SchemaNamePattern();
}
