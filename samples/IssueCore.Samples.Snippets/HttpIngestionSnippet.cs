using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Snippets;

/// <summary>The README's web node: HTTP ingestion on SQLite.</summary>
public static class HttpIngestionSnippet
{
    /// <summary>Builds the web node (the caller runs it: <c>app.Run()</c>).</summary>
    public static WebApplication Build(string[] args)
    {
        // snippet: http-ingestion
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddIssueCoreIngestion().UseSqlite("Data Source=issuecore.db");
        var app = builder.Build();
        app.MapIssueCore();   // POST /issues/, GET /issues/{id}, GET /issues; API key from ISSUE_CORE_API_KEY
        // endsnippet
        return app;
    }
}
