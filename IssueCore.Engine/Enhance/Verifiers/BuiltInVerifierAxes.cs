namespace IssueCore.Enhance.Verifiers;

/// <summary>The names of the built-in verifier axes.</summary>
public static class BuiltInVerifierAxes
{
    /// <summary>The result is a well-formed Blueprint: its flow validates, its id is unchanged and its <c>metadata.version_label</c> is semver.</summary>
    public const string Des = "des";

    /// <summary>Re-canonicalising the result gives the hash the patch applier reported.</summary>
    public const string Canonical = "canonical";

    /// <summary>The patch changed something (the new hash differs from the previous one).</summary>
    public const string Noop = "noop";

    /// <summary>Every step <c>ref</c> names an agent the Blueprint declares in <c>agents</c>.</summary>
    public const string AgentRef = "agent-ref";
}
