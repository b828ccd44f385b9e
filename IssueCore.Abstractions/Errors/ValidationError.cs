namespace IssueCore;

/// <summary>One problem found while validating input.</summary>
/// <param name="Path">Where the problem is, as a JSON path such as <c>$.flow.children[2].ref</c>.</param>
/// <param name="Message">What is wrong there.</param>
public sealed record ValidationError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}
