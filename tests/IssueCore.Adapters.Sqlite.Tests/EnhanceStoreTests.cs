using IssueCore.Adapters.Sqlite;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Issues;

namespace IssueCore.Adapters.Sqlite.Tests;

public sealed class EnhanceStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDatabase _temp = new();
    private SqliteEnhanceLogStore _log = null!;
    private SqliteEnhanceSettingStore _settings = null!;

    public Task InitializeAsync()
    {
        var database = _temp.Open();
        _log = new SqliteEnhanceLogStore(database);
        _settings = new SqliteEnhanceSettingStore(database);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _temp.DisposeAsync();

    [Fact]
    public async Task A_second_append_for_an_issue_conflicts_and_leaves_the_first_entry_untouched()
    {
        var first = Entry("i-1", T0, "first");
        await _log.AppendAsync(first);

        await Assert.ThrowsAsync<ConflictException>(() => _log.AppendAsync(Entry("i-1", T0.AddHours(1), "second")));
        var stored = await _log.FindAsync(IssueId.Parse("i-1"));

        Assert.NotNull(stored);
        Assert.Equal("first", stored.Rationale);
        Assert.Equal(T0, stored.Timestamp);
        Assert.Equal(first.Verdicts, stored.Verdicts);
        Assert.Equal(first.Reasons, stored.Reasons);
        Assert.Equal(first.PreviousVersion, stored.PreviousVersion);
        Assert.Equal(1, await _temp.ScalarAsync<int>("SELECT count(*) FROM enhance_log;"));
    }

    [Fact]
    public async Task The_log_refuses_updates_and_deletes_at_the_database()
    {
        await _log.AppendAsync(Entry("i-1", T0, "first"));

        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() => _temp.ExecuteAsync("UPDATE enhance_log SET rationale = 'x';"));
        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() => _temp.ExecuteAsync("DELETE FROM enhance_log;"));
    }

    [Fact]
    public async Task Lists_stream_across_pages_by_timestamp_with_ties_in_append_order()
    {
        var expected = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            // Timestamps go backwards in blocks of three, with ties inside each block.
            var id = $"i-{i:D4}";
            await _log.AppendAsync(Entry(id, T0.AddMinutes(1000 - (i / 3)), "r", blueprint: i % 2 == 0 ? "even" : "odd"));
        }

        for (var block = 199; block >= 0; block--)
        {
            expected.AddRange(Enumerable.Range(block * 3, 3).Select(i => $"i-{i:D4}"));
        }

        var all = new List<string>();
        await foreach (var e in _log.ListAllAsync())
        {
            all.Add(e.IssueId.Value);
        }

        var even = new List<string>();
        await foreach (var e in _log.ListByBlueprintAsync(BlueprintId.Parse("even")))
        {
            even.Add(e.IssueId.Value);
        }

        Assert.Equal(expected, all);
        Assert.Equal(expected.Where(id => int.Parse(id[2..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0), even);
    }

    [Fact]
    public async Task Settings_round_trip_every_selector_and_put_replaces()
    {
        var fixedVersion = Samples.Blueprint(1).Version;
        var id = EnhanceSettingId.Default;

        await _settings.PutAsync(id, new EnhanceSetting(Samples.Series, VersionSelector.Fixed(fixedVersion), ["des", "noop"], TimeSpan.FromSeconds(30)));
        var fixedSetting = await _settings.FindAsync(id);
        await _settings.PutAsync(id, new EnhanceSetting(Samples.Series, VersionSelector.SemverRange("^1.2"), ["des"], TimeSpan.FromMinutes(2)));
        var ranged = await _settings.FindAsync(id);
        await _settings.PutAsync(EnhanceSettingId.Parse("other"), new EnhanceSetting(Samples.Series, VersionSelector.Latest, [], TimeSpan.FromMinutes(1)));

        Assert.Equal(VersionSelector.Fixed(fixedVersion), fixedSetting?.Selector);
        Assert.Equal(["des", "noop"], fixedSetting?.VerifierAxes);
        Assert.Equal(VersionSelector.SemverRange("^1.2"), ranged?.Selector);
        Assert.Equal(TimeSpan.FromMinutes(2), ranged?.Ttl);
        Assert.Equal(VersionSelector.Latest, (await _settings.FindAsync(EnhanceSettingId.Parse("other")))?.Selector);
        Assert.Null(await _settings.FindAsync(EnhanceSettingId.Parse("none")));
    }

    private static EnhanceLogEntry Entry(string issueId, DateTimeOffset at, string rationale, string blueprint = "orders") => new()
    {
        IssueId = IssueId.Parse(issueId),
        BlueprintId = BlueprintId.Parse(blueprint),
        PreviousVersion = Samples.Blueprint(1).Version,
        NewVersion = Samples.Blueprint(2).Version,
        Intent = "intent",
        Rationale = rationale,
        Verdicts = [new VerdictSummary("des", VerdictStatus.Pass, "ok"), new VerdictSummary("noop", VerdictStatus.Deny, "no change")],
        Outcome = EnhanceOutcome.Rejected,
        Reasons = ["noop: no change"],
        Timestamp = at,
    };
}
