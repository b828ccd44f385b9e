using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Samples.Docs;

/// <summary>The registration the guide shows for host agents, middleware and verifier axes.</summary>
public static class DocsRegistration
{
    /// <summary>Registers the engine in memory with the guide's agent, middleware and axis.</summary>
    public static IServiceCollection Configure(IServiceCollection services, string signingKey)
    {
        // snippet: register-extensions
        services.AddIssueCore(o => o.Security.SigningKey = signingKey).UseInMemory();
        services.AddIssueCoreAgent<GreetingAgent>("greet");          // a step {"kind":"step","ref":"greet"} calls it
        services.AddIssueCoreAgentMiddleware<CallCountingMiddleware>(); // wraps every agent call
        services.AddIssueCoreVerifierAxis<OwnerRequiredAxis>("owner");  // add "owner" to the setting's VerifierAxes
        // endsnippet
        return services;
    }
}
