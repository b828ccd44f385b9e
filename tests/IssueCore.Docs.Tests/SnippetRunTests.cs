using System.Reflection;
using IssueCore.Samples.Snippets;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Docs.Tests;

/// <summary>The documentation's examples run, and do what the text around them says.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SnippetRunTests
{
    [Fact]
    public async Task The_hosting_snippet_creates_its_series_applies_its_issue_and_prints_the_outcome()
    {
        // The program is the README's hosting snippet, whole: run it as `dotnet run` would, with its console captured.
        var entryPoint = Assembly.Load("IssueCore.Samples.Hosting").EntryPoint!;
        var output = new StringWriter();
        var original = Console.Out;
        int exitCode;
        Console.SetOut(TextWriter.Synchronized(output));
        try
        {
            exitCode = await Task.Run(() => (int)entryPoint.Invoke(null, [Array.Empty<string>()])!).WaitAsync(TimeSpan.FromMinutes(5));
        }
        finally
        {
            Console.SetOut(original);
        }

        var text = output.ToString();
        Assert.True(exitCode == 0, "The hosting snippet exited with " + exitCode + ":\n" + text);
        Assert.Contains(": Applied; orders is now version 1.0.1 (", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_retention_snippet_registers_options_that_pass_validation()
    {
        var services = new ServiceCollection();
        RunRetentionSnippet.Configure(services);
        services.Configure<IssueCore.IssueCoreOptions>(o => o.Security.SigningKey = Convert.ToBase64String(new byte[32]));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<IssueCore.IssueCoreOptions>>().Value;

        Assert.Equal((10_000, TimeSpan.FromDays(30)), (options.RunRetention.KeepLatest, options.RunRetention.MaxAge));
    }

    [Fact]
    public async Task The_http_ingestion_snippet_maps_the_three_issue_endpoints()
    {
        await using var app = HttpIngestionSnippet.Build(["--ISSUE_CORE_API_KEY=docs-test-key-0123456789abcdefghijkl"]);

        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText?.TrimEnd('/')).ToList();

        Assert.Contains("/issues", routes);
        Assert.Contains("/issues/{id}", routes);
    }

    [Fact]
    public void The_patch_spawner_snippet_registers_a_spawner_for_every_setting_and_one_for_its_setting()
    {
        var services = new ServiceCollection();
        PatchSpawnerSnippet.Configure(services, IssueCore.Enhance.EnhanceSettingId.Parse("nightly", null));

        var spawners = services.Where(d => d.ServiceType == typeof(IssueCore.Enhance.Spawning.IPatchSpawner)
            || d.ImplementationType == typeof(PatchSpawnerSnippet.MySpawner)
            || d.ImplementationType == typeof(PatchSpawnerSnippet.NightlySpawner)
            || (d.IsKeyedService && d.KeyedImplementationType == typeof(PatchSpawnerSnippet.NightlySpawner))).ToList();

        Assert.NotEmpty(spawners);
        Assert.Contains(services, d => d.ServiceType.Assembly.GetName().Name == "IssueCore.AI"
            || (d.ImplementationType?.Assembly.GetName().Name == "IssueCore.AI"));
    }

    [Fact]
    public async Task The_telemetry_snippet_builds_a_host_with_tracing_and_metrics()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        TelemetrySnippet.Configure(builder);
        await using var app = builder.Build();

        Assert.NotNull(app.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        Assert.NotNull(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }
}
