namespace IssueCore.Adapters.Nats;

/// <summary>Subject and name rules of NATS and JetStream.</summary>
internal static class NatsSubjects
{
    /// <summary>A subject: dot-separated non-empty tokens without whitespace; <c>*</c> and a final <c>&gt;</c> only as whole tokens, when allowed.</summary>
    public static bool IsValid(string? subject, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return false;
        }

        var tokens = subject.Split('.');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length == 0)
            {
                return false;
            }

            if (token is "*" || (token is ">" && i == tokens.Length - 1))
            {
                if (!allowWildcards)
                {
                    return false;
                }

                continue;
            }

            if (!IsValidToken(token))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One literal subject token: no whitespace, control characters, '.', '*' or '>'.</summary>
    public static bool IsValidToken(string token)
    {
        if (token.Length == 0)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '.' or '*' or '>')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A stream or consumer name.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '.' or '*' or '>' or '/' or '\\')
            {
                return false;
            }
        }

        return true;
    }
}
