using IssueCore.Adapters.InMemory;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Ingestion;
using IssueCore.Issues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Enhance;

public sealed class EngineRegistrationGuardTests
{
    [Fact]
    public void AddIssueCore_without_an_adapter_says_to_call_UseInMemory_UseSqlite_or_UsePostgres()
    {
        using var provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
            .AddIssueCoreIngestion()
            .BuildServiceProvider();

        var dispatch = Assert.Throws<InvalidOperationException>(provider.GetRequiredService<EnhanceApplication>);
        var ingestion = Assert.Throws<InvalidOperationException>(provider.GetRequiredService<IIssueIngestionService>);

        Assert.Contains("call UseInMemory, UseSqlite or UsePostgres", dispatch.Message, StringComparison.Ordinal);
        Assert.Contains("call UseInMemory, UseSqlite or UsePostgres", ingestion.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_engine_with_invalid_options_refuses_to_ingest_or_dispatch_and_writes_nothing()
    {
        await using var provider = new ServiceCollection()
            .AddIssueCore() // no signing key
            .AddIssueCoreIngestion(o => o.RequireExistingSeries = false)
            .UseInMemory()
            .BuildServiceProvider();

        var ingestion = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IIssueIngestionService>);
        var dispatch = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<EnhanceApplication>);

        Assert.Contains("SigningKey", ingestion.Message, StringComparison.Ordinal);
        Assert.Contains("SigningKey", dispatch.Message, StringComparison.Ordinal);
        var stored = await provider.GetRequiredService<IIssueStore>().ListAsync(new IssueQuery { Limit = 10 });
        Assert.Empty(stored.Items);
    }

    [Fact]
    public void AddIssueCore_binds_its_options_from_a_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["IssueCore:Security:SigningKey"] = EngineHarness.SigningKey,
            ["IssueCore:DefaultTtl"] = "00:07:00",
            ["IssueCore:Ingestion:IssueBaseUrl"] = "https://issues.example.test/issues",
            ["IssueCore:Ingestion:RequireExistingSeries"] = "false",
            ["IssueCore:Dispatcher:MaxAttempts"] = "9",
        }).Build();

        using var provider = new ServiceCollection()
            .AddIssueCore(configuration.GetSection("IssueCore"))
            .AddIssueCoreIngestion(configuration.GetSection("IssueCore:Ingestion"))
            .AddIssueCoreWorker(configuration.GetSection("IssueCore:Dispatcher"))
            .UseInMemory()
            .BuildServiceProvider();

        Assert.Equal(EngineHarness.SigningKey, provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value.Security.SigningKey);
        Assert.Equal(TimeSpan.FromMinutes(7), provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value.DefaultTtl);
        Assert.Equal("https://issues.example.test/issues", provider.GetRequiredService<IOptions<IssueIngestionOptions>>().Value.IssueBaseUrl);
        Assert.False(provider.GetRequiredService<IOptions<IssueIngestionOptions>>().Value.RequireExistingSeries);
        Assert.Equal(9, provider.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value.MaxAttempts);
        Assert.NotNull(provider.GetRequiredService<EnhanceApplication>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_custom_store_replaces_one_port_of_a_built_in_adapter_in_either_registration_order(bool customFirst)
    {
        var custom = new InMemoryIssueStore(TimeProvider.System);
        var services = new ServiceCollection();
        if (customFirst)
        {
            services.AddSingleton<IIssueStore>(custom);
        }

        services.AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey).UseInMemory();
        if (!customFirst)
        {
            services.AddSingleton<IIssueStore>(custom);
        }

        using var provider = services.BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<IIssueStore>());
        Assert.IsType<InMemoryBlueprintStore>(provider.GetRequiredService<IssueCore.Blueprints.IBlueprintStore>());
        Assert.NotNull(provider.GetRequiredService<EnhanceApplication>());
    }

    [Fact]
    public void A_second_adapter_replaces_the_first_adapters_ports()
    {
        using var provider = new ServiceCollection()
            .AddIssueCore(o => o.Security.SigningKey = EngineHarness.SigningKey)
            .UseInMemory()
            .UseInMemory()
            .BuildServiceProvider();

        Assert.Single(provider.GetServices<IIssueStore>());
    }
}
