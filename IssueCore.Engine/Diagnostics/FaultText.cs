namespace IssueCore.Diagnostics;

/// <summary>
/// The one-line form of an expected fault for a Warning: its type and the first line of its message, bounded. The
/// stack trace goes to a companion Debug event instead.
/// </summary>
internal static class FaultText
{
    private const int MaxLength = 500;

    public static string OneLine(Exception fault)
    {
        var message = fault.Message;
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        if (end >= 0)
        {
            message = message[..end];
        }

        var text = $"{fault.GetType().Name}: {message}";
        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength - 1), "…");
    }
}
