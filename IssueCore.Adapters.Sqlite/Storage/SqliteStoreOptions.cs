namespace IssueCore.Adapters.Sqlite;

/// <summary>How the SQLite stores reach their database file.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>
    /// The Microsoft.Data.Sqlite connection string, for example <c>Data Source=issuecore.db</c>.
    /// Required. The <c>Pooling</c> keyword is ignored: <see cref="SqliteDatabase"/> keeps its own
    /// open connections. In-memory databases are not supported (use the in-memory adapter).
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// How long a statement waits for another connection or process to release the write lock
    /// before failing with a <see cref="StorageException"/>. Defaults to 30 seconds.
    /// </summary>
    /// <remarks>
    /// Measured on the system clock, whatever <see cref="TimeProvider"/> the stores use: the lock is
    /// held in real time. A write waiting for the lock stops waiting when its token is cancelled
    /// (see <see cref="SqliteDatabase"/>).
    /// </remarks>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many idle connections are kept open for reuse. Defaults to 8.</summary>
    public int MaxIdleConnections { get; set; } = 8;

    /// <summary>
    /// Whether the schema is installed or upgraded on first use. Defaults to <see langword="true"/>.
    /// When <see langword="false"/>, the file must already be at <see cref="SqliteSchema.LatestVersion"/>
    /// (for example installed from <see cref="SqliteSchema.GetScript"/>), otherwise every call fails
    /// with a <see cref="StorageException"/>.
    /// </summary>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>
    /// The page size, in bytes, of a database file this library creates (a power of two from 512 to 65,536). Defaults to
    /// <see cref="DefaultPageSize"/> (1,024): every write transaction sends each page it changes to the WAL in full, and a
    /// dispatch's small rows change a few pages of several tables and indexes per transaction, so small pages write several
    /// times fewer bytes than SQLite's usual 4,096. Files that already exist keep their page size.
    /// </summary>
    public int PageSize { get; set; } = DefaultPageSize;

    /// <summary>The default <see cref="PageSize"/>: 1,024 bytes.</summary>
    public const int DefaultPageSize = 1024;

    /// <summary>
    /// How many bytes of WAL the writers of this process commit before the WAL is checkpointed (copied back into the
    /// database file), from 64 KB to 1 GB. Defaults to <see cref="DefaultCheckpointThresholdBytes"/> (16 MB). A checkpoint
    /// writes every page changed since the last one once, however often it changed, so checkpointing less often writes the
    /// pages every transaction touches (the right edges of tables and indexes) less often; the WAL file is kept to about
    /// this size.
    /// </summary>
    public long CheckpointThresholdBytes { get; set; } = DefaultCheckpointThresholdBytes;

    /// <summary>The default <see cref="CheckpointThresholdBytes"/>: 16 MB.</summary>
    public const long DefaultCheckpointThresholdBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Whether checkpoints run in the background rather than in the write that crosses the threshold. Defaults to
    /// <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// SQLite's own checkpoint runs inside the commit that crosses its threshold: that write, and every writer queued
    /// behind it, then waits while thousands of pages are copied and the file is synced (measured at about 20 ms for a 16 MB WAL of 1 KB
    /// pages, once every few hundred dispatches). In the background, a checkpoint copies the WAL beside the writers and
    /// holds the write lock only to copy the last few frames. SQLite's own checkpoint stays armed at four times the
    /// threshold, so the WAL stays bounded when the background cannot keep up. Other processes sharing the file count
    /// and checkpoint their own writes.
    /// </remarks>
    public bool CheckpointInBackground { get; set; } = true;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("A SQLite connection string is required.", nameof(ConnectionString));
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("BusyTimeout must be between zero and one hour.", nameof(BusyTimeout));
        }

        if (PageSize is < 512 or > 65536 || (PageSize & (PageSize - 1)) != 0)
        {
            throw new ArgumentException("PageSize must be a power of two from 512 to 65536.", nameof(PageSize));
        }

        if (CheckpointThresholdBytes is < 64 * 1024 or > 1024L * 1024 * 1024)
        {
            throw new ArgumentException("CheckpointThresholdBytes must be between 64 KB and 1 GB.", nameof(CheckpointThresholdBytes));
        }

        if (MaxIdleConnections is < 0 or > 1024)
        {
            throw new ArgumentException("MaxIdleConnections must be between 0 and 1024.", nameof(MaxIdleConnections));
        }
    }
}
