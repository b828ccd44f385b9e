using System.Text.Json.Nodes;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Enhance;
using IssueCore.Enhance.Verifiers;
using IssueCore.Launch;
using IssueCore.Samples.Docs;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Cli.Tests;

/// <summary>The C# examples of docs/host-extensions.md do what the page says.</summary>
public sealed class DocsSampleTests
{
    private static readonly string Key = Convert.ToBase64String(new byte[32]);

    [Fact]
    public async Task The_host_agent_answers_a_step_and_the_middleware_sees_the_call()
    {
        var services = new ServiceCollection();
        DocsRegistration.Configure(services, Key);
        await using var provider = services.BuildServiceProvider();
        var launcher = provider.GetRequiredService<TaskLaunchService>();
        var flow = Blueprint.Parse("""
            {"id":"greeter","metadata":{"version_label":"1.0.0"},"agents":[],
             "flow":{"kind":"step","ref":"greet","in":{"op":"path","at":"$.who"},"out":"$.said"}}
            """);

        var result = await launcher.LaunchAsync(new LaunchRequest
        {
            Flow = flow,
            InitialContext = new JsonObject { ["who"] = new JsonObject { ["name"] = "docs" } },
            OperatorId = "docs",
            Role = "operator",
        });

        Assert.Equal("hello, docs", (string?)result.FinalContext["said"]!["greeting"]);
        Assert.Equal(1, provider.GetServices<IAgentMiddleware>().OfType<CallCountingMiddleware>().Single().Calls);
    }

    [Fact]
    public async Task The_owner_axis_denies_a_blueprint_without_an_owner_and_passes_one_with_it()
    {
        var axis = new OwnerRequiredAxis();
        var without = Blueprint.Parse("""{"id":"a","metadata":{"version_label":"1.0.0"}}""");
        var with = Blueprint.Parse("""{"id":"a","metadata":{"version_label":"1.0.0","owner":"team-a"}}""");

        var denied = await axis.VerifyAsync(Context(without));
        var passed = await axis.VerifyAsync(Context(with));

        Assert.Equal(VerdictStatus.Deny, denied.Status);
        Assert.Equal(VerdictStatus.Pass, passed.Status);
        Assert.Equal("owned by team-a", passed.Detail);
    }

    [Fact]
    public async Task A_setting_that_lists_the_owner_axis_rejects_a_patch_that_drops_the_owner()
    {
        var services = new ServiceCollection();
        DocsRegistration.Configure(services, Key);
        await using var provider = services.BuildServiceProvider();
        var app = provider.GetRequiredService<EnhanceApplication>();
        var settings = provider.GetRequiredService<IEnhanceSettingStore>();
        var setting = await app.InstallDefaultFlowAsync();
        await settings.PutAsync(EnhanceSettingId.Default, setting with { VerifierAxes = [.. setting.VerifierAxes, "owner"] });
        var orders = Blueprint.Parse(await File.ReadAllTextAsync(SeededStore.Example("orders.blueprint.json")));
        await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(BlueprintId.Parse("orders"), orders, [], new CommitMetadata("seed"));
        using var patch = System.Text.Json.JsonDocument.Parse("""[{"op":"remove","path":"/metadata/owner"}]""");

        var trial = await app.TryAsync(new IssueCore.Issues.IssueDraft { BlueprintId = BlueprintId.Parse("orders"), Intent = "drop the owner", Patch = patch.RootElement.Clone() });

        Assert.Equal(EnhanceOutcome.Rejected, trial.Outcome);
        Assert.Equal("owner: metadata.owner is missing", Assert.Single(trial.Reasons));
    }

    private static VerifierContext Context(Blueprint proposed) => new()
    {
        Axis = "owner",
        Previous = proposed,
        Proposed = proposed,
        ProposedHash = proposed.Version.Value,
        FlowContext = [],
    };
}
