namespace IssueCore;

/// <summary>A requested resource (issue, blueprint, version, log entry, run…) does not exist.</summary>
public sealed class NotFoundException : IssueCoreException
{
    /// <summary>Creates the exception for a resource kind and its key.</summary>
    /// <param name="resourceKind">What was looked up, for example <c>"issue"</c> or <c>"blueprint version"</c>.</param>
    /// <param name="key">The key that was not found.</param>
    public NotFoundException(string resourceKind, string key)
        : base($"{resourceKind} '{key}' was not found.")
    {
        ResourceKind = resourceKind;
        Key = key;
    }

    /// <summary>What was looked up, for example <c>"issue"</c>.</summary>
    public string ResourceKind { get; }

    /// <summary>The key that was not found.</summary>
    public string Key { get; }
}
