using Microsoft.Extensions.Time.Testing;

namespace IssueCore.Engine.Tests.Support;

/// <summary>
/// A fake clock on which, of two timers of the same length started at the same instant, the one created last fires
/// first. A busy timer queue may fire simultaneous timers in either order; this clock picks the order that exposes
/// code relying on the first one created firing first. Each timer is due a tick earlier than the one created before
/// it, far less than any delay the engine uses.
/// </summary>
internal sealed class LastCreatedFirstTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private long _created;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var created = Interlocked.Increment(ref _created);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            dueTime -= TimeSpan.FromTicks(Math.Min(created, dueTime.Ticks - 1));
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }
}
