namespace IssueCore.Adapters.Sqlite;

/// <summary>Timestamps are stored as UTC ticks so they sort and compare as integers.</summary>
internal static class SqliteTime
{
    public static long ToTicks(DateTimeOffset value) => value.UtcTicks;

    public static object ToDb(DateTimeOffset? value) => value is { } v ? v.UtcTicks : DBNull.Value;

    public static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>Adds a duration, saturating at <see cref="DateTimeOffset.MaxValue"/>.</summary>
    public static long AddSaturating(DateTimeOffset start, TimeSpan duration)
    {
        var max = DateTimeOffset.MaxValue.UtcTicks;
        var ticks = start.UtcTicks;
        return duration.Ticks > max - ticks ? max : ticks + duration.Ticks;
    }
}
