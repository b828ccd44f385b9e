namespace IssueCore.Security;

/// <summary>The engine operations a role may be allowed to perform.</summary>
public static class Verbs
{
    /// <summary>Launch a flow run.</summary>
    public const string Launch = "launch";

    /// <summary>Attach to a running run (follow its events).</summary>
    public const string Attach = "attach";

    /// <summary>Read a run's ctx.</summary>
    public const string ReadContext = "read_ctx";

    /// <summary>Cancel a run.</summary>
    public const string Cancel = "cancel";

    /// <summary>Resume an interrupted run.</summary>
    public const string Resume = "resume";

    /// <summary>Rewind a run to an earlier wave and run it again from there.</summary>
    public const string Rewind = "rewind";

    /// <summary>Every built-in verb.</summary>
    public static IReadOnlyList<string> All { get; } = [Launch, Attach, ReadContext, Cancel, Resume, Rewind];
}
