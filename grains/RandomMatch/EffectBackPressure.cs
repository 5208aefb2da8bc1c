namespace Partner.RandomMatch;

/// <summary>
/// When a queue holds new tickets back for its effects: while the oldest pending effect has waited longer than the
/// allowed lag and the pending ones would take longer than that to get through at the rate effects were done over the
/// last full second of work. Times are milliseconds of one monotonic clock (<see cref="Environment.TickCount64"/>).
/// </summary>
public sealed class EffectBackPressure(TimeSpan maxLag, long now)
{
    private const long WindowMilliseconds = 1000;
    private long windowStart = now;
    private int doneInWindow;

    /// <summary>Effects done per second over the last full window of work; 0 before the first.</summary>
    public double PerSecond { get; private set; }

    /// <summary>Effects start again after none was running: the idle time is not part of any window.</summary>
    public void Resume(long now)
    {
        windowStart = now;
        doneInWindow = 0;
    }

    public void Done(long now)
    {
        doneInWindow++;
        var elapsed = now - windowStart;
        if (elapsed >= WindowMilliseconds)
        {
            PerSecond = doneInWindow * 1000.0 / elapsed;
            windowStart = now;
            doneInWindow = 0;
        }
    }

    /// <param name="oldestQueuedAt">When the oldest effect not started yet was queued, or null when none waits.</param>
    /// <param name="outstanding">Effects not done: waiting and running.</param>
    public bool Holds(long? oldestQueuedAt, int outstanding, long now) =>
        oldestQueuedAt is { } queuedAt
        && now - queuedAt > maxLag.TotalMilliseconds
        && outstanding > PerSecond * maxLag.TotalSeconds;
}
