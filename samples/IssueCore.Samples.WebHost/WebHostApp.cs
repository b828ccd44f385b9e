using System.Text.Json;
using IssueCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IssueCore.Samples.WebHost;

/// <summary>Builds the sample node from configuration (command line, environment variables, appsettings).</summary>
internal static class WebHostApp
{
    /// <summary>The connection string name read from <c>ConnectionStrings</c>.</summary>
    public const string ConnectionStringName = "IssueCore";

    /// <summary>
    /// Builds the node: <c>POST /issues/</c>, <c>GET /issues/{id}</c> and <c>GET /issues</c>; every store in one
    /// SQLite file; the dispatcher as a hosted service; the built-in enhance flow and a <c>demo</c> series installed
    /// at start-up, before the dispatcher runs.
    /// </summary>
    /// <exception cref="InvalidOperationException">No API key is configured outside the Development environment.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        var development = builder.Environment.IsDevelopment();

        // One file holds issues, Blueprints, the enhance setting and log, and flow runs. Default: next to the app.
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? $"Data Source={Path.Combine(AppContext.BaseDirectory, "issuecore.db")}";

        builder.Services
            .AddIssueCore(o =>
            {
                // Signs the capability tokens of flow runs. Outside Development a real key is required (base64,
                // at least 32 bytes); in Development a throw-away key is generated per start.
                o.Security.SigningKey = configuration["IssueCore:SigningKey"];
                o.Security.AllowDevelopmentKey = development;
            })
            // Validation, mapping target_repo to a Blueprint series, and idempotent enqueue (triggering_event_id).
            .AddIssueCoreIngestion(o =>
            {
                o.IssueBaseUrl = configuration["IssueCore:IssueBaseUrl"];
                // A node whose series are published after their first issues arrive sets IssueCore:RequireExistingSeries=false.
                o.RequireExistingSeries = !string.Equals(configuration["IssueCore:RequireExistingSeries"], "false", StringComparison.OrdinalIgnoreCase);
            })
            .UseSqlite(connectionString);

        // Before the dispatcher, so the flow it dispatches through exists when it first claims an issue.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StartupInstaller>());

        // The hosted dispatcher. A node that should only ingest leaves this call out.
        builder.Services.AddIssueCoreWorker();

        // Operations: /health (store, dispatcher, queue age), /openapi/v1.json, and telemetry of the IssueCore
        // ActivitySource and Meter exported to the console or over OTLP (IssueCore:Telemetry:Exporter).
        builder.Services.AddHealthChecks().AddIssueCoreHealthChecks();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        AddTelemetry(builder.Services, configuration["IssueCore:Telemetry:Exporter"]);

        var app = builder.Build();
        app.MapHealthChecks("/health");
        app.MapOpenApi();

        // The API key comes from IssueCore:ApiKey, else ISSUE_CORE_API_KEY (configuration or environment). Without
        // one, mapping fails, except in Development, where the endpoints are then served without authentication.
        app.MapIssueCore(o =>
        {
            o.ApiKey = configuration["IssueCore:ApiKey"];
            if (configuration["IssueCore:OperatorApiKey"] is { Length: > 0 } operatorKey)
            {
                // An operator's key reads issues too, so the dashboard needs one key only.
                o.ApiKeys.Add(operatorKey);
            }

            o.AllowAnonymousDevelopment = app.Environment.IsDevelopment();
        });

        // The operator API (blueprints, history, diffs, enhance log, runs; requeue and archive). The same key reads;
        // acting needs an operator key (IssueCore:OperatorApiKey), which the dashboard's operator types to requeue.
        app.MapIssueCoreOperatorApi(o =>
        {
            o.ApiKey = configuration["IssueCore:ApiKey"];
            if (configuration["IssueCore:OperatorApiKey"] is { Length: > 0 } operatorKey)
            {
                o.OperatorApiKeys.Add(operatorKey);
            }

            o.AllowAnonymousDevelopment = app.Environment.IsDevelopment();
        });

        // The operator's dashboard at /issuecore/: static pages that carry no secret; the operator types the API key
        // into the page, which calls the endpoints above with it.
        app.MapIssueCoreDashboard("/issuecore");
        return app;
    }

    /// <summary>Exports IssueCore's traces and metrics: <c>console</c>, <c>otlp</c> (OTEL_EXPORTER_OTLP_* settings), or nothing.</summary>
    private static void AddTelemetry(IServiceCollection services, string? exporter)
    {
        if (string.IsNullOrEmpty(exporter) || exporter == "none")
        {
            return;
        }

        var telemetry = services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(IssueCoreTelemetry.SourceName))
            .WithMetrics(m => m.AddMeter(IssueCoreTelemetry.SourceName));
        switch (exporter)
        {
            case "console":
                services.ConfigureOpenTelemetryTracerProvider(t => t.AddConsoleExporter());
                services.ConfigureOpenTelemetryMeterProvider(m => m.AddConsoleExporter());
                break;
            case "otlp":
                telemetry.UseOtlpExporter();
                break;
            default:
                throw new InvalidOperationException($"IssueCore:Telemetry:Exporter must be console, otlp or none, not '{exporter}'.");
        }
    }
}
