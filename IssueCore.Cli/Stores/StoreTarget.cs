using System.Collections;

namespace IssueCore.Cli.Stores;

/// <summary>The store a command works on, and where the tool found it (an option or an environment variable), for error messages.</summary>
internal sealed record StoreTarget(StoreKind Kind, string Value, string Source, string Schema)
{
    public const string DbVariable = "ISSUECORE_DB";
    public const string PostgresVariable = "ISSUECORE_POSTGRES";

    /// <summary>What to call the store in a message: the file, or the PostgreSQL schema and source (never the password).</summary>
    public string Display => Kind == StoreKind.Sqlite ? $"'{Value}' ({Source})" : $"PostgreSQL schema '{Schema}' ({Source})";

    /// <summary>
    /// <c>--db</c>, else <c>--postgres</c>, else <see cref="DbVariable"/>, else <see cref="PostgresVariable"/>.
    /// </summary>
    /// <exception cref="CliException">Both options are given, or none of the four.</exception>
    public static StoreTarget Resolve(string? db, string? postgres, string? schema, IDictionary environment)
    {
        schema ??= Adapters.Postgres.PostgresStoreOptions.DefaultSchema;
        if (db is not null && postgres is not null)
        {
            throw new CliException(ExitCodes.Usage, "--db and --postgres name two stores; give one.");
        }

        if (!string.IsNullOrWhiteSpace(db))
        {
            return new StoreTarget(StoreKind.Sqlite, db, "--db", schema);
        }

        if (!string.IsNullOrWhiteSpace(postgres))
        {
            return new StoreTarget(StoreKind.Postgres, postgres, "--postgres", schema);
        }

        if (environment[DbVariable] is string envDb && !string.IsNullOrWhiteSpace(envDb))
        {
            return new StoreTarget(StoreKind.Sqlite, envDb, DbVariable, schema);
        }

        if (environment[PostgresVariable] is string envPg && !string.IsNullOrWhiteSpace(envPg))
        {
            return new StoreTarget(StoreKind.Postgres, envPg, PostgresVariable, schema);
        }

        throw new CliException(ExitCodes.Usage, $"No store given: pass --db FILE (SQLite) or --postgres CONNECTION, or set {DbVariable} or {PostgresVariable}.");
    }
}
