using IssueCore.Diagnostics;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IssueCore.Samples.Snippets;

/// <summary>The OpenTelemetry wiring, as the README and the WebHost sample's README show it.</summary>
public static class TelemetrySnippet
{
    /// <summary>Adds IssueCore's ActivitySource and Meter to OpenTelemetry with console exporters.</summary>
    public static WebApplicationBuilder Configure(WebApplicationBuilder builder)
    {
        // snippet: telemetry
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(IssueCoreTelemetry.SourceName).AddConsoleExporter())
            .WithMetrics(m => m.AddMeter(IssueCoreTelemetry.SourceName).AddConsoleExporter());
        // endsnippet
        return builder;
    }
}
