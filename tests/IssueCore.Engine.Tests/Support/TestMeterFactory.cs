using System.Diagnostics.Metrics;

namespace IssueCore.Engine.Tests.Support;

/// <summary>
/// An <see cref="IMeterFactory"/> whose meters carry it as their scope, so a <see cref="MeterListener"/> can tell one
/// test's instruments from those of other tests running at the same time (<c>instrument.Meter.Scope == factory</c>).
/// </summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
