using System.Net;
using System.Text.Json;
using IssueCore.Client;
using IssueCore.Issues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.AspNetCore.Tests;

public sealed class IssueSinkTests
{
    private static IssueSinkRequest Request(string triggeringEventId = "event-or-schedule-key") => new()
    {
        Title = "Run SBOM rescan for activity-core",
        TargetRepo = "activity-core",
        Priority = IssuePriority.High,
        Labels = ["sbom", "security"],
        DueInDays = 3,
        SourceType = IssueSourceType.Rule,
        SourceId = "flag-stale-sbom",
        TriggeringEventId = triggeringEventId,
        ActivityDefinitionId = "activity-definition-uuid",
    };

    private static IssueSinkOptions Options(Uri baseAddress, string key = IssueCoreServer.ApiKey, int attempts = 3, Action<IssueSinkOptions>? tweak = null)
    {
        var options = new IssueSinkOptions
        {
        Sink = IssueSinkKind.Rest,
        BaseAddress = baseAddress,
        ApiKey = key,
        MaxAttempts = attempts,
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(4),
        AttemptTimeout = TimeSpan.FromSeconds(30),
        };
        tweak?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Http_sink_round_trip_creates_the_issue_then_reports_the_duplicate()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var http = new HttpClient();
        var sink = new HttpIssueSink(http, Options(server.BaseAddress));

        var first = await sink.EmitAsync(Request());
        var second = await sink.EmitAsync(Request());

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.IssueId, second.IssueId);
        Assert.Equal("issuecore", first.Backend);
        var issue = await server.Store.GetAsync(first.IssueId);
        Assert.Equal(IssuePriority.High, issue.Priority);
        Assert.Equal(["sbom", "security"], issue.Labels);
        Assert.Equal("event-or-schedule-key", issue.Source!.TriggeringEventId);
    }

    [Fact]
    public async Task Http_sink_surfaces_a_validation_refusal_as_a_typed_error_without_retrying()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var http = new HttpClient();
        var sink = new HttpIssueSink(http, Options(server.BaseAddress));

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request() with { TargetRepo = "org/repo", DueInDays = -1 }));

        Assert.Equal(422, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Equal(1, ex.Attempts);
        Assert.Equal(["$.due_in_days", "$.target_repo"], ex.Problem!.Errors.Select(e => e.Path));
        Assert.Equal(0, await server.CountAsync());
    }

    [Fact]
    public async Task Http_sink_surfaces_a_wrong_key_as_401()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var http = new HttpClient();
        var sink = new HttpIssueSink(http, Options(server.BaseAddress, key: "wrong"));

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request()));

        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("Unauthorized", ex.Problem!.Title);
    }

    [Fact]
    public async Task Http_sink_over_a_plain_client_sends_once_and_reports_a_server_error_as_transient()
    {
        var calls = 0;
        await using var server = await IssueCoreServer.StartScriptedAsync(async context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"title":"Service Unavailable","status":503,"detail":"down"}""");
        });
        using var http = new HttpClient();
        var sink = new HttpIssueSink(http, Options(server.BaseAddress, attempts: 4));

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request()));

        // Retrying is the client pipeline's job: a plain client has none, so one request went out.
        Assert.True(ex.IsTransient);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal("down", ex.Problem!.Detail);
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Added_sink_retries_server_errors_through_the_resilience_handler_until_the_attempts_run_out()
    {
        var calls = 0;
        await using var server = await IssueCoreServer.StartScriptedAsync(async context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"title":"Service Unavailable","status":503,"detail":"down"}""");
        });
        await using var provider = AddedSink(server.BaseAddress, attempts: 4);
        var sink = provider.GetRequiredService<IIssueSink>();

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => sink.EmitAsync(Request()));

        Assert.True(ex.IsTransient);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal("down", ex.Problem!.Detail);
        Assert.Equal(4, Volatile.Read(ref calls));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Added_sink_recovers_when_a_loopback_server_fails_fewer_times_than_the_attempts(int failures)
    {
        var calls = 0;
        await using var server = await IssueCoreServer.StartScriptedAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) <= failures)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                return;
            }

            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"issue_id":"abc123","issue_url":"https://x.test/issues/abc123","backend":"issuecore","created":true}""");
        });
        await using var provider = AddedSink(server.BaseAddress, attempts: 4);

        var reference = await provider.GetRequiredService<IIssueSink>().EmitAsync(Request());

        Assert.Equal(IssueId.Parse("abc123"), reference.IssueId);
        Assert.Equal("https://x.test/issues/abc123", reference.IssueUrl);
        Assert.Equal(failures + 1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Added_sink_retries_too_many_requests_honouring_retry_after()
    {
        var calls = 0;
        await using var server = await IssueCoreServer.StartScriptedAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "1";
                return;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"issue_id":"dup1","issue_url":null,"backend":"issuecore","created":false}""");
        });
        await using var provider = AddedSink(server.BaseAddress);

        var reference = await provider.GetRequiredService<IIssueSink>().EmitAsync(Request());

        Assert.False(reference.Created);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Added_sink_retries_attempts_that_time_out()
    {
        var calls = 0;
        await using var server = await IssueCoreServer.StartScriptedAsync(async context =>
        {
            Interlocked.Increment(ref calls);
            var never = new TaskCompletionSource();
            await using (context.RequestAborted.Register(() => never.TrySetResult()))
            {
                await never.Task;
            }
        });
        await using var provider = AddedSink(server.BaseAddress, attempts: 2, tweak: o => o.AttemptTimeout = TimeSpan.FromMilliseconds(50));

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => provider.GetRequiredService<IIssueSink>().EmitAsync(Request()));

        Assert.True(ex.IsTransient);
        Assert.Null(ex.StatusCode);
        Assert.NotNull(ex.InnerException);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Added_sink_retries_connection_failures()
    {
        Uri deadAddress;
        await using (var server = await IssueCoreServer.StartScriptedAsync(_ => Task.CompletedTask))
        {
            deadAddress = server.BaseAddress;
        }

        var attempts = 0;
        await using var provider = AddedSink(deadAddress, attempts: 2, builder: b => b.AddHttpMessageHandler(() => new CountingHandler(() => Interlocked.Increment(ref attempts))));

        var ex = await Assert.ThrowsAsync<IssueSinkException>(() => provider.GetRequiredService<IIssueSink>().EmitAsync(Request()));

        Assert.True(ex.IsTransient);
        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Add_issue_sink_returns_the_builder_of_the_sinks_client_for_the_host_to_configure()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var seen = 0;
        var services = new ServiceCollection();
        IHttpClientBuilder builder = services.AddIssueSink(o => { o.Sink = IssueSinkKind.Rest; o.BaseAddress = server.BaseAddress; o.ApiKey = IssueCoreServer.ApiKey; });
        builder.AddHttpMessageHandler(() => new CountingHandler(() => Interlocked.Increment(ref seen)));
        services.AddIssueSink();
        await using var provider = services.BuildServiceProvider();

        var reference = await provider.GetRequiredService<IIssueSink>().EmitAsync(Request("builder-1"));

        Assert.Equal(HttpIssueSink.HttpClientName, builder.Name);
        Assert.True(reference.Created);
        Assert.Equal(1, Volatile.Read(ref seen));
    }

    private static ServiceProvider AddedSink(Uri baseAddress, int attempts = 3, Action<IssueSinkOptions>? tweak = null, Action<IHttpClientBuilder>? builder = null)
    {
        var services = new ServiceCollection();
        var client = services.AddIssueSink(o =>
        {
            o.Sink = IssueSinkKind.Rest;
            o.BaseAddress = baseAddress;
            o.ApiKey = IssueCoreServer.ApiKey;
            o.MaxAttempts = attempts;
            o.InitialBackoff = TimeSpan.FromMilliseconds(1);
            o.MaxBackoff = TimeSpan.FromMilliseconds(4);
            o.AttemptTimeout = TimeSpan.FromSeconds(30);
            tweak?.Invoke(o);
        });
        builder?.Invoke(client);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Null_sink_records_the_rendered_request_and_returns_a_synthetic_reference()
    {
        var sink = new NullIssueSink(historyLimit: 2);

        var a = await sink.EmitAsync(Request("e1"));
        await sink.EmitAsync(Request("e2"));
        var c = await sink.EmitAsync(Request("e3") with { Patch = JsonDocument.Parse("""[{"op":"remove","path":"/a"}]""").RootElement });

        Assert.StartsWith("null-", a.IssueId.Value, StringComparison.Ordinal);
        Assert.NotEqual(a.IssueId, c.IssueId);
        Assert.Equal("null", a.Backend);
        Assert.Equal(2, sink.Emitted.Count);
        var rendered = JsonDocument.Parse(sink.Emitted[^1].RenderedJson).RootElement;
        Assert.Equal("e3", rendered.GetProperty("triggering_event_id").GetString());
        Assert.Equal("high", rendered.GetProperty("priority").GetString());
        Assert.Equal("rule", rendered.GetProperty("source_type").GetString());
        Assert.Equal(3, rendered.GetProperty("due_in_days").GetInt32());
        Assert.Equal(JsonValueKind.Array, rendered.GetProperty("patch").ValueKind);
        Assert.False(rendered.TryGetProperty("intent", out _));
        Assert.Equal(c, sink.Emitted[^1].Reference);
    }

    [Fact]
    public async Task Null_sink_rendering_is_accepted_by_the_real_endpoint()
    {
        await using var server = await IssueCoreServer.StartAsync();
        var sink = new NullIssueSink();
        await sink.EmitAsync(Request());

        using var response = await server.Client.SendAsync(IssueCoreServer.Post(sink.Emitted.Single().RenderedJson));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Add_issue_sink_selects_the_sink_from_options()
    {
        await using var server = await IssueCoreServer.StartAsync();
        using var dryRun = new ServiceCollection().AddIssueSink().Services.BuildServiceProvider();
        using var live = new ServiceCollection()
            .AddIssueSink(o => { o.Sink = IssueSinkKind.Rest; o.BaseAddress = server.BaseAddress; o.ApiKey = IssueCoreServer.ApiKey; })
            .Services.BuildServiceProvider();

        Assert.IsType<NullIssueSink>(dryRun.GetRequiredService<IIssueSink>());
        var sink = Assert.IsType<HttpIssueSink>(live.GetRequiredService<IIssueSink>());
        var reference = await sink.EmitAsync(Request());
        Assert.True(reference.Created);
        Assert.Equal(1, await server.CountAsync());
    }

    [Fact]
    public void Rest_sink_without_address_or_key_fails_validation()
    {
        using var provider = new ServiceCollection().AddIssueSink(o => o.Sink = IssueSinkKind.Rest).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<IssueSinkOptions>>().Value);

        Assert.Contains("BaseAddress", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ApiKey", ex.Message, StringComparison.Ordinal);
    }
}
