using System.Reflection;
using System.Text;

namespace IssueCore.LogEvents.Tests;

public sealed class LogEventIdTests
{
    private static readonly string Root = LogEventRegistry.RepositoryRoot();

    /// <summary>The shipped libraries: the top-level IssueCore.* projects of the repository, tools (executables) aside.</summary>
    private static IReadOnlyList<string> ShippedAssemblyNames() =>
        Directory.GetDirectories(Root, "IssueCore.*")
            .Select(Path.GetFileName)
            .Where(name => File.Exists(Path.Combine(Root, name!, name + ".csproj")))
            .Where(name => !File.ReadAllText(Path.Combine(Root, name!, name + ".csproj")).Contains("<OutputType>Exe</OutputType>", StringComparison.Ordinal))
            .Select(name => name!)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static IReadOnlyList<LoggedEvent> AllLoggedEvents()
    {
        var names = ShippedAssemblyNames();
        Assert.True(names.Count >= 9, $"Expected the shipped IssueCore.* projects under {Root}, found {names.Count}.");
        var events = new List<LoggedEvent>();
        foreach (var name in names)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(new AssemblyName(name));
            }
            catch (FileNotFoundException)
            {
                Assert.Fail($"The shipped library {name} is not referenced by tests/IssueCore.LogEvents.Tests: add "
                    + $"<ProjectReference Include=\"..\\..\\{name}\\{name}.csproj\" /> to its project file so its log event ids are checked.");
                throw;
            }

            events.AddRange(LoggedEvent.In(assembly));
        }

        return events;
    }

    [Fact]
    public void The_shipped_libraries_log_through_LoggerMessage_methods_the_scan_finds()
    {
        var events = AllLoggedEvents();

        // Guards the scan itself: these libraries are known to log.
        foreach (var library in new[] { "IssueCore.Engine", "IssueCore.Client", "IssueCore.Adapters.Nats" })
        {
            Assert.True(events.Count(e => e.Assembly == library) >= 3, $"The scan found no [LoggerMessage] methods in {library}.");
        }
    }

    [Fact]
    public void Every_log_event_id_is_explicit_and_unique_across_the_shipped_libraries()
    {
        var problems = new StringBuilder();
        var events = AllLoggedEvents();
        foreach (var unset in events.Where(e => e.Id <= 0))
        {
            problems.AppendLine($"{unset.Owner} has no EventId: give its [LoggerMessage] a free id and add its row to {LogEventRegistry.FileName}.");
        }

        foreach (var group in events.Where(e => e.Id > 0).GroupBy(e => e.Id).Where(g => g.Count() > 1))
        {
            problems.AppendLine($"Event id {group.Key} is used by {string.Join(" and ", group.Select(e => e.Owner))}: "
                + $"ids are unique across the library; give all but one a free id from {LogEventRegistry.FileName} and fix its row there.");
        }

        Assert.True(problems.Length == 0, problems.ToString());
    }

    [Fact]
    public void Every_log_event_id_has_its_row_in_the_registry_and_every_row_a_logging_method()
    {
        var registry = LogEventRegistry.Load(Root);
        var events = AllLoggedEvents();
        var problems = new StringBuilder();

        foreach (var duplicate in registry.Rows.GroupBy(r => r.Id).Where(g => g.Count() > 1))
        {
            problems.AppendLine($"{LogEventRegistry.FileName} lists id {duplicate.Key} on lines "
                + $"{string.Join(", ", duplicate.Select(r => r.Line))}: keep one row per id.");
        }

        var rows = registry.Rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.First());
        foreach (var logged in events.Where(e => e.Id > 0).OrderBy(e => e.Id))
        {
            var expected = LogEventRegistry.LineFor(logged);
            if (!rows.TryGetValue(logged.Id, out var row))
            {
                problems.AppendLine($"Event id {logged.Id} ({logged.Owner}) is not in the registry: add the line"
                    + $"{Environment.NewLine}    {expected}{Environment.NewLine}  to {LogEventRegistry.FileName} at the repository root, in the table of its range.");
            }
            else if (!string.Equals(row.Text, expected, StringComparison.Ordinal))
            {
                problems.AppendLine($"{LogEventRegistry.FileName} line {row.Line} does not match the code for event id {logged.Id}: replace"
                    + $"{Environment.NewLine}    {row.Text}{Environment.NewLine}  with{Environment.NewLine}    {expected}");
            }
        }

        var logging = events.Select(e => e.Id).ToHashSet();
        foreach (var stale in registry.Rows.Where(r => !logging.Contains(r.Id)))
        {
            problems.AppendLine($"{LogEventRegistry.FileName} line {stale.Line} lists id {stale.Id}, which no [LoggerMessage] of the shipped libraries uses: remove the line.");
        }

        Assert.True(problems.Length == 0, problems.ToString());
    }
}
