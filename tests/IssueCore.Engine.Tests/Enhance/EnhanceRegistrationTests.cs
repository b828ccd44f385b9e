using System.Diagnostics;
using System.Diagnostics.Metrics;
using IssueCore.Diagnostics;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class EnhanceRegistrationTests
{
    [Fact]
    public async Task AddIssueCore_with_UseInMemory_registers_the_dispatcher_and_the_four_built_in_axes_but_no_worker()
    {
        await using var provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
            .UseInMemory()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        Assert.NotNull(provider.GetRequiredService<EnhanceApplication>());
        foreach (var axis in EnhanceSetting.BuiltInAxes)
        {
            Assert.NotNull(provider.GetKeyedService<IVerifierAxis>(axis));
        }

        Assert.DoesNotContain(provider.GetServices<IHostedService>(), s => s is EnhanceWorker);
    }

    [Fact]
    public void Invalid_dispatcher_options_fail_when_the_options_are_first_read()
    {
        using var provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
            .UseInMemory()
            .AddIssueCoreWorker(o =>
            {
                o.MaxAttempts = 0;
                o.HeartbeatInterval = TimeSpan.FromMinutes(10);
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("HeartbeatInterval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hosted_worker_dispatches_enqueued_issues_and_stops_with_the_host()
    {
        var completed = new TaskCompletionSource<Issue>(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ServiceCollection()
            .AddIssueCore(o =>
            {
                o.Security.SigningKey = EngineHarness.SigningKey;
                o.MarkInterruptedRunsOnStart = false;
            })
            .UseInMemory()
            .AddIssueCoreWorker();
        await using var provider = services.BuildServiceProvider();
        var app = provider.GetRequiredService<EnhanceApplication>();
        await app.InstallDefaultFlowAsync();
        var blueprints = provider.GetRequiredService<IssueCore.Blueprints.IBlueprintStore>();
        await blueprints.WriteNewAsync(EnhanceHarness.Target, EnhanceHarness.TargetV1, [], new IssueCore.Blueprints.CommitMetadata("seed"));
        var created = await app.HandleAsync(new IssueDraft
        {
            BlueprintId = EnhanceHarness.Target,
            Intent = "x",
            Patch = System.Text.Json.JsonDocument.Parse("""[{"op":"add","path":"/metadata/x","value":1}]""").RootElement.Clone(),
        });
        var worker = Assert.Single(provider.GetServices<IHostedService>().OfType<EnhanceWorker>());

        await worker.StartAsync(CancellationToken.None);
        Issue issue;
        var issues = provider.GetRequiredService<IIssueStore>();
        do
        {
            await Task.Yield();
            issue = await issues.GetAsync(created.Issue.Id);
        }
        while (!issue.Status.IsTerminal);
        await worker.StopAsync(CancellationToken.None);

        Assert.Equal(IssueState.Applied, issue.Status.State);
    }

    [Fact]
    public async Task Dispatch_emits_a_span_and_counts_outcomes_on_the_IssueCore_source_and_meter()
    {
        const string Series = "telemetry-orders";
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == IssueCoreTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var counts = new Dictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == IssueCoreTelemetry.SourceName)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == IssueCoreTelemetry.BlueprintIdTag && Series.Equals(tag.Value))
                {
                    lock (counts)
                    {
                        counts[i.Name] = counts.GetValueOrDefault(i.Name) + v;
                    }
                }
            }
        });
        meters.Start();
        await using var h = await EnhanceHarness.CreateAsync(seedTarget: false);
        var series = IssueCore.Blueprints.BlueprintId.Parse(Series);
        var bp = IssueCore.Blueprints.Blueprint.Parse(EnhanceHarness.TargetV1.CanonicalJson.Replace("\"orders\"", "\"" + Series + "\"", StringComparison.Ordinal));
        await h.Blueprints.WriteNewAsync(series, bp, [], new IssueCore.Blueprints.CommitMetadata("seed"));
        await h.EnqueueAsync("""[{"op":"add","path":"/metadata/x","value":1}]""", target: series);
        await h.EnqueueAsync("[]", target: series);

        await h.App.TickAsync();
        await h.App.TickAsync();

        lock (spans)
        {
            var dispatches = spans.Where(s => s.OperationName == IssueCoreTelemetry.DispatchActivity && Series.Equals(s.GetTagItem(IssueCoreTelemetry.BlueprintIdTag))).ToList();
            Assert.Equal(2, dispatches.Count);
            Assert.Contains(spans, s => s.OperationName == "issuecore.run" && s.ParentSpanId == dispatches[0].SpanId);
        }

        lock (counts)
        {
            Assert.Equal(1, counts.GetValueOrDefault(IssueCoreTelemetry.IssuesApplied));
            Assert.Equal(1, counts.GetValueOrDefault(IssueCoreTelemetry.IssuesRejected));
        }
    }
}
