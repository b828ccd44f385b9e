using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Snippets;

/// <summary>The run retention options, as the README shows them.</summary>
public static class RunRetentionSnippet
{
    /// <summary>Registers the engine with the README's retention settings.</summary>
    public static IServiceCollection Configure(IServiceCollection services)
    {
        // snippet: run-retention
        services.AddIssueCore(o =>
        {
            o.RunRetention.KeepLatest = 10_000;             // null: any number (then MaxAge must be set)
            o.RunRetention.MaxAge = TimeSpan.FromDays(30);  // null: any age (then KeepLatest must be set)
            o.RunRetention.PurgeInterval = TimeSpan.FromMinutes(1);
            o.RunRetention.PurgeAfterRuns = 10_000;         // and after this many runs finish (null: on the interval only)
            // o.RunRetention.Enabled = false;              // keep every run (the store then grows without bound)
            o.RunRecordTimeout = TimeSpan.FromSeconds(30);  // the longest a launcher waits to record how a run ended
        });
        // endsnippet
        return services;
    }
}
