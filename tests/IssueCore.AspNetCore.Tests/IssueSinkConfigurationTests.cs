using IssueCore.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.AspNetCore.Tests;

public sealed class IssueSinkConfigurationTests
{
    [Fact]
    public void The_sink_binds_ISSUE_SINK_TYPE_ISSUE_CORE_URL_and_ISSUE_CORE_API_KEY_from_configuration()
    {
        using var provider = Provider(new()
        {
            ["ISSUE_SINK_TYPE"] = "rest",
            ["ISSUE_CORE_URL"] = "https://issues.example.test/",
            ["ISSUE_CORE_API_KEY"] = IssueCoreServer.ApiKey,
        });

        var options = provider.GetRequiredService<IOptions<IssueSinkOptions>>().Value;

        Assert.Equal(IssueSinkKind.Rest, options.Sink);
        Assert.Equal(new Uri("https://issues.example.test/"), options.BaseAddress);
        Assert.Equal(IssueCoreServer.ApiKey, options.ApiKey);
        Assert.IsType<HttpIssueSink>(provider.GetRequiredService<IIssueSink>());
    }

    [Fact]
    public void Code_overrides_configuration_and_an_unknown_sink_type_is_named()
    {
        using var overridden = Provider(new() { ["ISSUE_SINK_TYPE"] = "rest" }, o => o.Sink = IssueSinkKind.Null);
        using var unknown = Provider(new() { ["ISSUE_SINK_TYPE"] = "kafka" });

        Assert.Equal(IssueSinkKind.Null, overridden.GetRequiredService<IOptions<IssueSinkOptions>>().Value.Sink);
        var ex = Assert.Throws<OptionsValidationException>(() => unknown.GetRequiredService<IOptions<IssueSinkOptions>>().Value);
        Assert.Contains("ISSUE_SINK_TYPE must be 'null' or 'rest'", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings, Action<IssueSinkOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddIssueSink(configure);
        return services.BuildServiceProvider();
    }
}
