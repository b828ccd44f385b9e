namespace IssueCore.Engine.Tests.Enhance;

/// <summary>
/// Counts store calls and throws a <see cref="StorageException"/> once, at call <see cref="FailAt"/> (before or after
/// the real call ran). Separately, calls named in <see cref="HangOn"/> hang (a dependency that stops answering) until
/// their cancellation token fires or <see cref="StopHanging"/> is called.
/// </summary>
internal sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counted = new(StringComparer.Ordinal);
    private int _calls;
    private int _hanging;
    private HashSet<string> _hangOn = [];
    private Dictionary<string, TaskCompletionSource> _answering = [];
    private Dictionary<string, TaskCompletionSource> _entered = [];

    public int FailAt { get; set; }

    /// <summary>Throw after the call took effect (a crash between the write and the caller seeing it).</summary>
    public bool After { get; set; }

    /// <summary>Only calls whose name this accepts count (null: every call).</summary>
    public Func<string, bool>? Match { get; set; }

    /// <summary>Throw on every matching call, not once.</summary>
    public bool Always { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The names of the calls counted since <see cref="Arm"/>, with how many of each.</summary>
    public IReadOnlyDictionary<string, int> CountedCalls => new Dictionary<string, int>(_counted, StringComparer.Ordinal);

    public int Injected { get; private set; }

    /// <summary>The name of the call the last injected fault hit.</summary>
    public string? InjectedInto { get; private set; }

    /// <summary>How many calls are hanging now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    /// <summary>Completes with the name of the first call that hangs after <see cref="HangOn"/>.</summary>
    public TaskCompletionSource<string> HangEntered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Arm(int failAt, bool after = false)
    {
        Volatile.Write(ref _calls, 0);
        _counted.Clear();
        FailAt = failAt;
        After = after;
    }

    /// <summary>From now on, calls with these names hang until cancelled (or until <see cref="StopHanging"/>).</summary>
    public void HangOn(params string[] names)
    {
        lock (_gate)
        {
            _hangOn = [.. names];
            HangEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _answering = names.Distinct().ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _entered = names.Distinct().ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>From now on, calls named <paramref name="name"/> hang as well; those already hanging keep hanging.</summary>
    public void AlsoHangOn(string name)
    {
        lock (_gate)
        {
            _hangOn.Add(name);
            _answering[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _entered[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Only calls named <paramref name="name"/> get through again: those hanging go on, and no further one hangs.</summary>
    public void Answer(string name)
    {
        lock (_gate)
        {
            _hangOn.Remove(name);
            _answering[name].TrySetResult();
        }
    }

    /// <summary>Completes when a call named <paramref name="name"/> (one of those given to <see cref="HangOn"/>) hangs.</summary>
    public Task EnteredAsync(string name)
    {
        lock (_gate)
        {
            return _entered[name].Task;
        }
    }

    /// <summary>The dependency answers again: hanging calls go through, and no further call hangs.</summary>
    public void StopHanging()
    {
        lock (_gate)
        {
            _hangOn = [];
            foreach (var answering in _answering.Values)
            {
                answering.TrySetResult();
            }
        }
    }

    public async Task<T> RunAsync<T>(string name, Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        await HangIfArmedAsync(name, cancellationToken);
        if (Match is not null && !Match(name))
        {
            return await call();
        }

        var n = Interlocked.Increment(ref _calls);
        _counted.AddOrUpdate(name, 1, (_, c) => c + 1);
        var hit = Always || n == FailAt;
        if (hit && !After)
        {
            Injected++;
            InjectedInto = name;
            throw new StorageException($"injected fault before {name} (call {n})");
        }

        var result = await call();
        if (hit && After)
        {
            Injected++;
            InjectedInto = name;
            throw new StorageException($"injected fault after {name} (call {n})");
        }

        return result;
    }

    public async Task RunAsync(string name, Func<Task> call, CancellationToken cancellationToken = default)
        => await RunAsync<bool>(
            name,
            async () =>
            {
                await call();
                return true;
            },
            cancellationToken);

    private async Task HangIfArmedAsync(string name, CancellationToken cancellationToken)
    {
        Task answering;
        TaskCompletionSource<string> entered;
        TaskCompletionSource enteredByName;
        lock (_gate)
        {
            if (!_hangOn.Contains(name))
            {
                return;
            }

            answering = _answering[name].Task;
            entered = HangEntered;
            enteredByName = _entered[name];
        }

        Interlocked.Increment(ref _hanging);
        try
        {
            entered.TrySetResult(name);
            enteredByName.TrySetResult();
            await answering.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _hanging);
        }
    }
}
