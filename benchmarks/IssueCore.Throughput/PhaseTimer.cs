using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using IssueCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Throughput;

/// <summary>
/// Where the time of a dispatch goes (<c>--phases</c>): every call to a storage port (timed until its task completes)
/// and every engine span (dispatch, flow run, agent step) summed by name. Spans of the fan-out branches overlap in
/// time, so the step sums are time spent in each step, not a partition of the wall clock.
/// </summary>
internal sealed class PhaseTimer : IDisposable
{
    private readonly ConcurrentDictionary<string, Phase> _phases = new(StringComparer.Ordinal);
    private readonly ActivityListener _listener;

    public PhaseTimer()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IssueCoreTelemetry.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                var name = activity.GetTagItem("issuecore.agent") is string agent ? $"step {agent}" : activity.OperationName;
                Add("span " + name, activity.Duration.Ticks);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Replaces the registration of <typeparamref name="TPort"/> with a timing proxy around it.</summary>
    public void Wrap<TPort>(IServiceCollection services)
        where TPort : class
    {
        var original = services.Last(d => d.ServiceType == typeof(TPort) && !d.IsKeyedService);
        services.Remove(original);
        services.AddSingleton(sp =>
        {
            var inner = (TPort)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!));
            // The issue store's proxy also hands out the adapter's one-transaction dispatch finalizer (timed too), as the
            // unwrapped store would, so the profile writes what a real dispatch writes.
            var proxy = inner is IssueCore.Enhance.IDispatchFinalizerProvider
                ? DispatchProxy.Create<TPort, FinalizerProvidingProxy>()
                : DispatchProxy.Create<TPort, TimingProxy>();
            ((TimingProxy)(object)proxy).Bind(inner, typeof(TPort).Name, this);
            return proxy;
        });
    }

    public void Reset() => _phases.Clear();

    public string Report(int dispatched)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Phases over {dispatched:N0} dispatches (ms per dispatch, calls per dispatch):");
        foreach (var (name, phase) in _phases.OrderByDescending(p => p.Value.Ticks))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-60} {TimeSpan.FromTicks(phase.Ticks).TotalMilliseconds / dispatched,9:N3} ms  {phase.Count / (double)dispatched,6:N1}");
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Add(string name, long ticks)
    {
        var phase = _phases.GetOrAdd(name, static _ => new Phase());
        Interlocked.Add(ref phase.Ticks, ticks);
        Interlocked.Increment(ref phase.Count);
    }

    private sealed class Phase
    {
        public long Ticks;
        public long Count;
    }

    /// <summary>Times each call of the wrapped port until the task it returns completes.</summary>
#pragma warning disable CA1852 // DispatchProxy derives the proxy type from this class, so it cannot be sealed
    public class TimingProxy : DispatchProxy
#pragma warning restore CA1852
    {
        private object _inner = null!;
        private string _port = null!;
        private PhaseTimer _timer = null!;

        internal object Inner => _inner;

        internal PhaseTimer Timer => _timer;

        internal void Bind(object inner, string port, PhaseTimer timer)
        {
            _inner = inner;
            _port = port;
            _timer = timer;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var name = $"store {_port}.{targetMethod!.Name}";
            var started = Stopwatch.GetTimestamp();
            object? result;
            try
            {
                result = targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                _timer.Add(name, Stopwatch.GetElapsedTime(started).Ticks);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }

            switch (result)
            {
                case Task task:
                    Record(task, name, started);
                    break;
                default:
                    if (result is not null && result.GetType().Name.StartsWith("ValueTask", StringComparison.Ordinal))
                    {
                        var asTask = (Task)result.GetType().GetMethod("AsTask")!.Invoke(result, null)!;
                        Record(asTask, name, started);
                        return typeof(ValueTask).IsAssignableFrom(result.GetType()) ? new ValueTask(asTask) : Activator.CreateInstance(result.GetType(), asTask);
                    }

                    _timer.Add(name, Stopwatch.GetElapsedTime(started).Ticks);
                    break;
            }

            return result;
        }

        // Timed when the task completes, on the completing thread (a continuation queued to a busy pool would count the queue).
        private void Record(Task task, string name, long started)
        {
            if (task.IsCompleted)
            {
                _timer.Add(name, Stopwatch.GetElapsedTime(started).Ticks);
                return;
            }

            task.ContinueWith(
                static (_, state) =>
                {
                    var (timer, name, started) = ((PhaseTimer, string, long))state!;
                    timer.Add(name, Stopwatch.GetElapsedTime(started).Ticks);
                },
                (_timer, name, started),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>A timing proxy of an issue store that provides the wrapped store's dispatch finalizer, timed as a port of its own.</summary>
#pragma warning disable CA1852
    public class FinalizerProvidingProxy : TimingProxy, IssueCore.Enhance.IDispatchFinalizerProvider
#pragma warning restore CA1852
    {
        public IssueCore.Enhance.IDispatchFinalizer? CreateFinalizer(IssueCore.Blueprints.IBlueprintStore blueprints, IssueCore.Enhance.IEnhanceLogStore log)
        {
            return Timed(((IssueCore.Enhance.IDispatchFinalizerProvider)Inner).CreateFinalizer(Unwrap(blueprints), Unwrap(log)));
        }

        public IssueCore.Enhance.IDispatchFinalizer? CreateFinalizer(IssueCore.Blueprints.IBlueprintStore blueprints, IssueCore.Enhance.IEnhanceLogStore log, IssueCore.Council.ICouncilRepository runs)
            => Timed(((IssueCore.Enhance.IDispatchFinalizerProvider)Inner).CreateFinalizer(Unwrap(blueprints), Unwrap(log), Unwrap(runs)));

        private IssueCore.Enhance.IDispatchFinalizer? Timed(IssueCore.Enhance.IDispatchFinalizer? finalizer)
        {
            if (finalizer is null)
            {
                return null;
            }

            var proxy = DispatchProxy.Create<IssueCore.Enhance.IDispatchFinalizer, TimingProxy>();
            ((TimingProxy)(object)proxy).Bind(finalizer, nameof(IssueCore.Enhance.IDispatchFinalizer), Timer);
            return proxy;
        }

        private static T Unwrap<T>(T port)
            where T : class
            => port is TimingProxy proxy ? (T)proxy.Inner : port;
    }
}
