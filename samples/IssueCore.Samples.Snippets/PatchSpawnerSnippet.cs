using IssueCore.Enhance;
using IssueCore.Enhance.Spawning;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Snippets;

/// <summary>The patch spawner registrations, as the README and the IssueCore.AI README show them.</summary>
public static class PatchSpawnerSnippet
{
    /// <summary>Registers a spawner for every setting, one for <paramref name="settingId"/>, and the chat spawner.</summary>
    public static IServiceCollection Configure(IServiceCollection services, EnhanceSettingId settingId)
    {
        // snippet: patch-spawners
        services.AddIssueCorePatchSpawner<MySpawner>();               // every enhance setting without its own
        services.AddIssueCorePatchSpawner<NightlySpawner>(settingId);  // one setting; wins over the line above
        services.AddIssueCoreChatPatchSpawner();                       // IssueCore.AI: a language model behind IChatClient
        // endsnippet
        return services;
    }

    /// <summary>A host on SQLite whose issues without a patch are proposed by a language model.</summary>
    public static IServiceCollection ConfigureChat(IServiceCollection services, string key, IChatClient myProviderClient)
    {
        // snippet: ai-spawner
        services.AddIssueCore(o => o.Security.SigningKey = key).UseSqlite("Data Source=issuecore.db");
        services.AddSingleton<IChatClient>(myProviderClient);       // any IChatClient
        services.AddIssueCoreChatPatchSpawner(o => o.MaxAttempts = 3); // or (settingId, o => ...) for one enhance setting
        services.AddIssueCoreWorker();
        // endsnippet
        return services;
    }

    /// <summary>A spawner that never proposes, standing in for a host's own.</summary>
    public sealed class MySpawner : IPatchSpawner
    {
        /// <inheritdoc />
        public ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(PatchProposal.CannotPropose("this host proposes nothing"));
    }

    /// <summary>A second spawner, registered for one setting.</summary>
    public sealed class NightlySpawner : IPatchSpawner
    {
        /// <inheritdoc />
        public ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(PatchProposal.CannotPropose("the nightly setting proposes nothing"));
    }
}
