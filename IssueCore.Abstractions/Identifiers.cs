using System.Diagnostics.CodeAnalysis;

namespace IssueCore;

internal static class Identifiers
{
    public static bool IsValid([NotNullWhen(true)] string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
