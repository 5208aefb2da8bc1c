namespace Partner.RandomMatch;

/// <summary>
/// One timer on the domain clock for a queue's earliest ticket deadline: <see cref="Arm"/> after every change moves it
/// (or stops it when nothing waits); it calls <c>fire</c> at the deadline, from the clock's thread, so <c>fire</c>
/// must go through the grain (a call to itself) to touch the queue.
/// </summary>
public sealed class ExpiryTimer(TimeProvider clock, Action fire) : IDisposable
{
    private ITimer? timer;

    /// <summary>The deadline the timer is set for, or null when it is stopped or has fired.</summary>
    public DateTimeOffset? ArmedFor { get; private set; }

    /// <summary>Sets the timer for <paramref name="deadline"/> (at once when past), unless it is set for it already; null stops it.</summary>
    public void Arm(DateTimeOffset? deadline)
    {
        if (deadline is not { } next)
        {
            timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            ArmedFor = null;
            return;
        }

        if (ArmedFor == next)
        {
            return;
        }

        ArmedFor = next;
        var dueIn = next - clock.GetUtcNow();
        timer ??= clock.CreateTimer(static state => ((Action)state!)(), fire, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(dueIn < TimeSpan.Zero ? TimeSpan.Zero : dueIn, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The expiry it asked for runs: the next <see cref="Arm"/> sets the timer again, even for the same deadline.</summary>
    public void Fired() => ArmedFor = null;

    public void Dispose() => timer?.Dispose();
}
