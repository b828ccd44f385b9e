using System.Text.Json;
using IssueCore.Agents;
using IssueCore.Blueprints;
using IssueCore.Enhance.Governance;
using IssueCore.Issues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IssueCore.Enhance.Spawning;

/// <summary>
/// Picks the <see cref="IPatchSpawner"/> of an enhance setting (its own, else the one registered for every setting),
/// and decides when an issue without a patch cannot be dispatched at all.
/// </summary>
internal sealed class PatchSpawnerSelector
{
    /// <summary>The reason an issue without a patch and without a spawner is rejected (or refused at ingestion).</summary>
    public const string NoSpawnerReason = "no patch and no spawner configured";

    /// <summary>The full reason, which names the way out.</summary>
    public const string NoSpawnerDetail = NoSpawnerReason + ": the issue carries no RFC 6902 operations and no host patch-spawner is registered (services.AddIssueCorePatchSpawner<T>())";

    /// <summary>The built-in flow's spawner step: the agent name and the script behind it.</summary>
    public const string AgentName = "patch-spawner";

    public const string BuiltInScript = "enhance.patch-spawner";

    private readonly IServiceProvider _services;
    private readonly HashSet<string> _keys;

    public PatchSpawnerSelector(IServiceProvider services, IEnumerable<PatchSpawnerRegistration> registrations)
    {
        _services = services;
        _keys = registrations.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Registers the selector once (the engine, ingestion and the spawner registration all call this).</summary>
    public static void TryRegister(IServiceCollection services)
        => services.TryAddSingleton(sp => new PatchSpawnerSelector(sp, sp.GetServices<PatchSpawnerRegistration>()));

    /// <summary>The spawner serving <paramref name="setting"/>, or <see langword="null"/> when none does.</summary>
    public IPatchSpawner? For(EnhanceSettingId setting)
    {
        var own = PatchSpawnerRegistration.KeyFor(setting.Value);
        if (_keys.Contains(own))
        {
            return _services.GetRequiredKeyedService<IPatchSpawner>(own);
        }

        var any = PatchSpawnerRegistration.KeyFor(null);
        return _keys.Contains(any) ? _services.GetRequiredKeyedService<IPatchSpawner>(any) : null;
    }

    /// <summary>Whether something can turn an intent into a patch under <paramref name="setting"/>: a spawner, or a host's own <c>patch-spawner</c> agent.</summary>
    public bool CanSpawn(EnhanceSettingId setting)
        => For(setting) is not null || _services.GetKeyedService<IAgent>(AgentName) is { } agent && agent is not PatchSpawnerAgent;

    /// <summary>
    /// Why <paramref name="issue"/> cannot be dispatched through <paramref name="flow"/>: it carries no patch, the flow's
    /// <c>patch-spawner</c> is the built-in one (which only passes a patch on), and nothing can spawn one under
    /// <paramref name="setting"/>. <see langword="null"/> when the flow may run.
    /// </summary>
    public string? WhyNoSpawner(Issue issue, Blueprint flow, EnhanceSettingId setting)
        => issue.Patch is null && UsesBuiltInSpawner(flow) && !CanSpawn(setting) ? NoSpawnerDetail : null;

    /// <summary>
    /// Why an ingestion request without a patch is refused (the host opted in): nothing can spawn a patch under the
    /// dispatcher's setting. <see langword="null"/> when something can.
    /// </summary>
    public string? WhyRefuseAtIngestion(ILogger logger)
    {
        var setting = _services.GetService<IOptions<EnhanceApplicationOptions>>()?.Value.SettingId ?? EnhanceSettingId.Default;
        if (CanSpawn(setting))
        {
            return null;
        }

        SpawnerLog.NoSpawnerAtIngestion(logger, setting.Value);
        return NoSpawnerDetail;
    }

    /// <summary>The log entry of an issue rejected at dispatch because nothing can propose its patch.</summary>
    public static EnhanceLogEntry RejectionEntry(Issue issue, BlueprintVersion head, string why, DateTimeOffset timestamp)
        => FlowSeriesGuard.RejectionEntry(issue, head, why, timestamp) with { Reasons = [why] }; // the same entry, with its own reason

    /// <summary>Whether the flow declares the built-in <c>patch-spawner</c> (a host's own flow may spawn patches its own way).</summary>
    private static bool UsesBuiltInSpawner(Blueprint flow)
    {
        if (!flow.Root.TryGetProperty("agents", out var agents) || agents.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var agent in agents.EnumerateArray())
        {
            if (agent.ValueKind == JsonValueKind.Object
                && agent.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.ValueEquals(AgentName))
            {
                return agent.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("lua")
                    && agent.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
                    && spec.TryGetProperty("fn_id", out var fnId) && fnId.ValueKind == JsonValueKind.String && fnId.ValueEquals(BuiltInScript);
            }
        }

        return false;
    }
}
