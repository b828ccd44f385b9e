namespace IssueCore.Samples.Tests;

public sealed class WebHostReadmeTests
{
    [Fact]
    public void The_readme_passes_the_environment_to_the_app_not_to_dotnet_run()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "IssueCore.Samples.WebHost", "README.md"));

        // `dotnet run --environment Development` is taken by dotnet run itself on .NET 10; the app needs it after `--`.
        Assert.Contains("dotnet run --project samples/IssueCore.Samples.WebHost -- --environment Development", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("run with `--environment Development`", readme, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IssueCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No IssueCore.sln above the test folder.");
    }
}
