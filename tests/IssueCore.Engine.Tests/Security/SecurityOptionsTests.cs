using IssueCore.Adapters.InMemory;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Security;

public sealed class SecurityOptionsTests
{
    private static ServiceProvider Build(Action<IssueCoreOptions> configure)
        => new ServiceCollection().AddIssueCore(configure).UseInMemory().BuildServiceProvider();

    [Fact]
    public void Start_fails_fast_without_a_signing_key()
    {
        using var provider = Build(_ => { });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("SigningKey is required", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Start_fails_for_a_malformed_or_short_key(string key)
    {
        using var provider = Build(o => o.Security.SigningKey = key);

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void A_development_key_must_be_asked_for_explicitly_and_then_works()
    {
        using var provider = Build(o => o.Security.AllowDevelopmentKey = true);

        provider.GetRequiredService<IStartupValidator>().Validate();
        var launcher = provider.GetRequiredService<TaskLaunchService>();
        var token = launcher.IssueToken(IssueCore.Council.CouncilRunId.New(), "dev", "admin");

        Assert.Equal("dev", token.OperatorId);
    }

    [Fact]
    public void AddIssueCore_twice_registers_once_and_applies_both_configurations()
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.SigningKey = Convert.ToBase64String(new byte[32]));
        var count = services.Count;

        services.AddIssueCore(o => o.DefaultTtl = TimeSpan.FromSeconds(7));

        Assert.Equal(count + 1, services.Count); // only the second configure action
        using var provider = services.UseInMemory().BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), options.DefaultTtl);
        Assert.NotNull(options.Security.SigningKey);
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().Select(h => h.GetType()).ToList();
        Assert.NotEmpty(hosted);
        Assert.Equal(hosted.Distinct(), hosted); // each hosted service once
    }
}
