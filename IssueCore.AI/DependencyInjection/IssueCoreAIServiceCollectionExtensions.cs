using IssueCore.AI;
using IssueCore.Enhance;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // extension methods live in the DI namespace by convention
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the language-model patch spawner.</summary>
public static class IssueCoreAIServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="ChatPatchSpawner"/> as the patch spawner of every enhance setting without its own
    /// (<c>AddIssueCorePatchSpawner</c>). It asks the <see cref="Microsoft.Extensions.AI.IChatClient"/> the host
    /// registers (any provider). Options are validated at start.
    /// </summary>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c> and an <c>IChatClient</c>).</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreChatPatchSpawner(this IServiceCollection services)
        => services.AddChatSpawner(null, null);

    /// <summary>
    /// Registers the <see cref="ChatPatchSpawner"/> for every setting without its own spawner, configured by
    /// <paramref name="configure"/>; see <see cref="AddIssueCoreChatPatchSpawner(IServiceCollection)"/>.
    /// </summary>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c> and an <c>IChatClient</c>).</param>
    /// <param name="configure">Configures the spawner (retry budget, model, prompt bounds).</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreChatPatchSpawner(this IServiceCollection services, Action<ChatPatchSpawnerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddChatSpawner(configure, null);
    }

    /// <summary>
    /// Registers the <see cref="ChatPatchSpawner"/> for the enhance setting <paramref name="settingId"/> only; see
    /// <see cref="AddIssueCoreChatPatchSpawner(IServiceCollection)"/>.
    /// </summary>
    /// <param name="services">The service collection (with <c>AddIssueCore()</c> and an <c>IChatClient</c>).</param>
    /// <param name="settingId">The setting served.</param>
    /// <param name="configure">Configures the spawner.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddIssueCoreChatPatchSpawner(this IServiceCollection services, EnhanceSettingId settingId, Action<ChatPatchSpawnerOptions>? configure = null)
        => services.AddChatSpawner(configure, settingId);

    private static IServiceCollection AddChatSpawner(this IServiceCollection services, Action<ChatPatchSpawnerOptions>? configure, EnhanceSettingId? settingId)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ChatPatchSpawnerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatPatchSpawnerOptions>, ChatPatchSpawnerOptionsValidator>());
        return settingId is { } id ? services.AddIssueCorePatchSpawner<ChatPatchSpawner>(id) : services.AddIssueCorePatchSpawner<ChatPatchSpawner>();
    }
}
