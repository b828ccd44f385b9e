using IssueCore.Enhance;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.DependencyInjection;

/// <summary>
/// What the engine's registrations check before they build a service that writes: the options are valid (so nothing
/// is stored by a host that would then fail at start), and the stores an adapter provides are registered (so a
/// missing adapter is named, not reported as a raw container error).
/// </summary>
internal static class EngineServices
{
    /// <summary>
    /// Reads every engine option the service depends on, which runs their validators: an invalid option throws the
    /// <see cref="OptionsValidationException"/> the host would throw at start, before anything is written.
    /// </summary>
    public static void ValidateOptions(IServiceProvider services, bool ingestion = false, bool dispatch = false)
    {
        _ = services.GetRequiredService<IOptions<IssueCoreOptions>>().Value;
        if (ingestion)
        {
            _ = services.GetRequiredService<IOptions<IssueIngestionOptions>>().Value;
        }

        if (dispatch)
        {
            _ = services.GetRequiredService<IOptions<EnhanceApplicationOptions>>().Value;
        }
    }

    /// <summary>The store an adapter registers; a clear error naming the adapters when none is.</summary>
    public static T RequirePort<T>(IServiceProvider services)
        where T : class
        => services.GetService<T>() ?? throw new InvalidOperationException(
            $"IssueCore has no {typeof(T).Name}: call UseInMemory, UseSqlite or UsePostgres on the service collection "
            + $"(for example services.AddIssueCore(...).UseSqlite(\"Data Source=issuecore.db\")), or register your own {typeof(T).Name}.");
}
