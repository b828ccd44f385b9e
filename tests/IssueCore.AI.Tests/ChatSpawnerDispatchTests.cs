using System.Text.Json;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Launch;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.AI.Tests;

/// <summary>The chat spawner inside the engine: the built-in flow, in-memory stores, a scripted model.</summary>
public sealed class ChatSpawnerDispatchTests
{
    private static readonly string SigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly BlueprintId Target = BlueprintId.Parse("orders");

    private static async Task<ServiceProvider> StartAsync(ScriptedChatClient client, Action<ChatPatchSpawnerOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.SigningKey = SigningKey).UseInMemory();
        services.AddSingleton<IChatClient>(client);
        services.AddIssueCoreChatPatchSpawner(configure ?? (_ => { }));
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<EnhanceApplication>().InstallDefaultFlowAsync();
        await provider.GetRequiredService<IBlueprintStore>().WriteNewAsync(Target, ChatPatchSpawnerTests.Head, [], new CommitMetadata("seed", Origin: "seed"));
        return provider;
    }

    private static Task<IssueCreateResult> EnqueueAsync(ServiceProvider provider)
        => provider.GetRequiredService<EnhanceApplication>().HandleAsync(new IssueDraft { BlueprintId = Target, Title = "Hand over", Intent = "team-b owns orders from now on" });

    [Fact]
    public async Task Intent_only_issue_is_applied_after_a_retry_and_the_run_records_model_prompt_and_usage()
    {
        var client = new ScriptedChatClient("not json", ChatPatchSpawnerTests.ValidAnswer);
        await using var provider = await StartAsync(client);
        await EnqueueAsync(provider);

        var outcome = await provider.GetRequiredService<EnhanceApplication>().TickAsync();

        Assert.Equal(DispatchResult.Applied, outcome!.Result);
        var head = (await provider.GetRequiredService<IBlueprintStore>().ReadHeadAsync(Target)).Value;
        Assert.Equal("team-b", head.Root.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("1.1.0", head.VersionLabel);
        var spawner = (await SpawnerOutputAsync(provider)).GetProperty("spawner");
        Assert.Equal("scripted-model-1", spawner.GetProperty("model_id").GetString());
        Assert.Equal(2, spawner.GetProperty("attempts").GetInt32());
        Assert.Equal(240, spawner.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Contains("team-b owns orders from now on", spawner.GetProperty("prompt").GetString(), StringComparison.Ordinal);
        Assert.Single(spawner.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Model_that_never_answers_validly_ends_the_issue_rejected_once_with_the_reason()
    {
        var client = new ScriptedChatClient("a", "b");
        await using var provider = await StartAsync(client, o => o.MaxAttempts = 2);
        var created = await EnqueueAsync(provider);
        var app = provider.GetRequiredService<EnhanceApplication>();

        var outcome = await app.TickAsync();

        Assert.Equal(DispatchResult.Rejected, outcome!.Result);
        Assert.Contains("the model gave no valid patch in 2 attempt(s)", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(2, client.Calls.Count);
        Assert.Null(await app.TickAsync());
        Assert.Equal(IssueState.Rejected, (await provider.GetRequiredService<IIssueStore>().GetAsync(created.Issue.Id)).Status.State);
    }

    [Fact]
    public void Retry_budget_outside_its_bounds_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.SigningKey = SigningKey).UseInMemory();
        services.AddIssueCoreChatPatchSpawner(o => o.MaxAttempts = ChatPatchSpawnerOptions.MaxAttemptsLimit + 1);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatPatchSpawnerOptions>>().Value);
        Assert.Contains("MaxAttempts", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> SpawnerOutputAsync(ServiceProvider provider)
    {
        var repository = provider.GetRequiredService<ICouncilRepository>();
        await foreach (var run in repository.ListRunsAsync())
        {
            await foreach (var e in repository.ListEventsAsync(run.Id))
            {
                if (e.Kind == RunEventKinds.StepCompleted && e.Payload.GetProperty("agent").GetString() == "patch-spawner")
                {
                    return e.Payload.GetProperty("output").Clone();
                }
            }
        }

        throw new Xunit.Sdk.XunitException("no completed patch-spawner step was recorded");
    }
}
