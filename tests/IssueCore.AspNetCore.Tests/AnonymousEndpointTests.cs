using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Tests;

public sealed class AnonymousEndpointTests
{
    [Fact]
    public async Task Endpoints_without_authentication_log_a_warning_saying_so()
    {
        var warnings = new ConcurrentQueue<(int Id, string Message)>();
        await using var server = await IssueCoreServer.StartAsync(
            services => services
                .AddLogging(b => b.AddProvider(new WarningCollector(warnings)))
                .AddIssueCoreIngestion(o => o.RequireExistingSeries = false)
                .UseInMemory(),
            app => app.MapIssueCore(o => o.AllowAnonymousDevelopment = true));

        var warning = Assert.Single(warnings, w => w.Id == 7001);
        Assert.Contains("WITHOUT authentication", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_with_an_api_key_log_no_such_warning()
    {
        var warnings = new ConcurrentQueue<(int Id, string Message)>();
        await using var server = await IssueCoreServer.StartAsync(
            services => services
                .AddLogging(b => b.AddProvider(new WarningCollector(warnings)))
                .AddIssueCoreIngestion()
                .UseInMemory(),
            app => app.MapIssueCore(o => o.ApiKey = IssueCoreServer.ApiKey));

        Assert.DoesNotContain(warnings, w => w.Id == 7001);
    }

    private sealed class WarningCollector(ConcurrentQueue<(int Id, string Message)> sink) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                sink.Enqueue((eventId.Id, formatter(state, exception)));
            }
        }

        public void Dispose()
        {
        }
    }
}
