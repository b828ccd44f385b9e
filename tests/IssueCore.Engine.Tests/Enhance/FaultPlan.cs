namespace IssueCore.Engine.Tests.Enhance;

/// <summary>Counts store calls and throws a <see cref="StorageException"/> once, at call <see cref="FailAt"/> (before or after the real call ran).</summary>
internal sealed class FaultPlan
{
    private int _calls;

    public int FailAt { get; set; }

    /// <summary>Throw after the call took effect (a crash between the write and the caller seeing it).</summary>
    public bool After { get; set; }

    /// <summary>Only calls whose name this accepts count (null: every call).</summary>
    public Func<string, bool>? Match { get; set; }

    /// <summary>Throw on every matching call, not once.</summary>
    public bool Always { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public int Injected { get; private set; }

    public void Arm(int failAt, bool after = false)
    {
        Volatile.Write(ref _calls, 0);
        FailAt = failAt;
        After = after;
    }

    public async Task<T> RunAsync<T>(string name, Func<Task<T>> call)
    {
        if (Match is not null && !Match(name))
        {
            return await call();
        }

        var n = Interlocked.Increment(ref _calls);
        var hit = Always || n == FailAt;
        if (hit && !After)
        {
            Injected++;
            throw new StorageException($"injected fault before {name} (call {n})");
        }

        var result = await call();
        if (hit && After)
        {
            Injected++;
            throw new StorageException($"injected fault after {name} (call {n})");
        }

        return result;
    }

    public async Task RunAsync(string name, Func<Task> call)
        => await RunAsync<bool>(name, async () =>
        {
            await call();
            return true;
        });
}
