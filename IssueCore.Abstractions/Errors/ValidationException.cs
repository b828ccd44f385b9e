namespace IssueCore;

/// <summary>Input was rejected before anything ran or was stored. Lists every problem found, each with its path.</summary>
public sealed class ValidationException : IssueCoreException
{
    /// <summary>Creates the exception from one or more problems.</summary>
    /// <param name="errors">The problems; at least one.</param>
    public ValidationException(IReadOnlyList<ValidationError> errors)
        : base(BuildMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for a single problem.</summary>
    /// <param name="path">Where the problem is.</param>
    /// <param name="message">What is wrong.</param>
    public ValidationException(string path, string message)
        : this([new ValidationError(path, message)])
    {
    }

    /// <summary>Every problem found, in the order found.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>The path of the first problem.</summary>
    public string Path => Errors.Count > 0 ? Errors[0].Path : "$";

    private static string BuildMessage(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("At least one validation error is required.", nameof(errors));
        }

        return errors.Count == 1
            ? $"Validation failed: {errors[0]}"
            : $"Validation failed with {errors.Count} errors: {string.Join("; ", errors)}";
    }
}
