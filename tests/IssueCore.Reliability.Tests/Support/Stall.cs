namespace IssueCore.Reliability.Tests.Support;

/// <summary>
/// A dependency that stops answering: once armed, calls to the named operations hang until their cancellation token
/// fires or the dependency recovers (<see cref="Recover"/>). Records whether a hanging call could ever be cancelled.
/// </summary>
internal sealed class Stall
{
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HashSet<string> _operations = [];
    private int _hanging;

    /// <summary>Completes when the first call hangs.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a call hangs with a token that can never be cancelled (only recovery ends it).</summary>
    public TaskCompletionSource EnteredUncancellable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many calls are hanging now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public void Arm(params string[] operations) => Volatile.Write(ref _operations, [.. operations]);

    public void Recover()
    {
        Volatile.Write(ref _operations, []);
        _recovered.TrySetResult();
    }

    public async Task WaitAsync(string operation, CancellationToken cancellationToken)
    {
        if (!Volatile.Read(ref _operations).Contains(operation))
        {
            return;
        }

        Interlocked.Increment(ref _hanging);
        try
        {
            Entered.TrySetResult();
            if (!cancellationToken.CanBeCanceled)
            {
                EnteredUncancellable.TrySetResult();
            }

            await _recovered.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _hanging);
        }
    }
}
