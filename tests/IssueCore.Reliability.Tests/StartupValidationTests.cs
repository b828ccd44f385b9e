using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Reliability.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IssueCore.Reliability.Tests;

/// <summary>Invalid dispatcher options stop a generic host at start, before anything dispatches.</summary>
public sealed class StartupValidationTests
{
    [Fact]
    public async Task A_generic_host_with_invalid_enhance_options_fails_to_start()
    {
        // Arrange: a host as an operator builds it (AddIssueCore, an adapter, AddIssueCoreWorker), misconfigured.
        await using var h = PipelineHarness.Sqlite();
        await h.InstallAsync();
        var series = await h.SeedSeriesAsync("startup", 1);
        var id = await h.EnqueueAsync(series[0], """[{"op":"add","path":"/metadata/x","value":1}]""", "waits for a valid host");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Services.AddIssueCore(o => o.Security.SigningKey = PipelineHarness.SigningKey);
        h.UseStore(builder.Services);
        builder.Services.AddIssueCoreWorker(o =>
        {
            o.DispatchTimeout = TimeSpan.Zero;
            o.MaxAttempts = 0;
            o.HeartbeatInterval = o.LeaseDuration;
        });
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        // Act
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(timeout.Token));

        // Assert: every bad value is named, and the dispatcher never ran.
        Assert.Equal(typeof(EnhanceApplicationOptions), error.OptionsType);
        Assert.Contains(error.Failures, f => f.Contains("DispatchTimeout", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("HeartbeatInterval", StringComparison.Ordinal));
        var issue = await h.Issues.GetAsync(id, timeout.Token);
        Assert.Equal((IssueState.Pending, 0), (issue.Status.State, issue.Attempts));
    }

    [Fact]
    public async Task A_generic_host_with_valid_enhance_options_starts_and_stops()
    {
        await using var h = PipelineHarness.Sqlite();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Services.AddIssueCore(o => o.Security.SigningKey = PipelineHarness.SigningKey);
        h.UseStore(builder.Services);
        builder.Services.AddIssueCoreWorker(o => o.DispatchTimeout = TimeSpan.FromSeconds(30));
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        await host.StartAsync(timeout.Token);
        await host.StopAsync(timeout.Token);
    }
}
