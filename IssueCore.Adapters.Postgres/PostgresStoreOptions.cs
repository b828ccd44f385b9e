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

    /// <summary>
    /// Whether enqueues wake the dispatchers of every process at once with PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c>.
    /// Defaults to <see langword="true"/>: creating a pending issue and requeueing one send a <c>NOTIFY</c> in the same
    /// statement or transaction (a rolled-back enqueue notifies nobody) on a channel named for <see cref="Schema"/>, and
    /// <see cref="PostgresIssueStore.WatchAsync"/> listens on one dedicated connection, so a dispatch loop in another
    /// process dispatches the issue without waiting for its next poll. When <see langword="false"/>, nothing is sent
    /// and the watch ends at once: dispatchers find issues enqueued elsewhere by polling only.
    /// </summary>
    public bool NotifyOnEnqueue { get; set; } = true;

    /// <summary>Throws when the options are not usable.</summary>
    /// <exception cref="ValidationException">The schema name is not valid.</exception>
    public void Validate() => PostgresSchema.ValidateSchemaName(Schema);

    /// <summary>A copy of every option, so a registration is not changed by later edits of the caller's instance.</summary>
    internal PostgresStoreOptions Snapshot() => (PostgresStoreOptions)MemberwiseClone();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    internal static partial Regex SchemaNamePattern();
}
