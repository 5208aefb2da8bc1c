using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

/// <summary>Stands in for the queue grain's interleaving timers: records each start, and a test fires them.</summary>
internal sealed class ManualEffectTimers
{
    private readonly List<Scheduled> started = [];

    /// <summary>The delay of every timer started so far, in order.</summary>
    public IEnumerable<TimeSpan> Delays => started.Select(s => s.Delay);

    /// <summary>Timers started and neither fired nor disposed.</summary>
    public int Armed => started.Count(s => !s.Fired && !s.Disposed);

    public IDisposable Start(TimeSpan delay, Func<Task> run)
    {
        var scheduled = new Scheduled(delay, run);
        started.Add(scheduled);
        return scheduled;
    }

    /// <summary>Runs the one armed timer (as its due time would), returning once its run is under way or done.</summary>
    public Task FireAsync()
    {
        var next = Assert.Single(started, s => !s.Fired && !s.Disposed);
        next.Fired = true;
        var run = next.Run();
        return run.IsCompleted ? run : Task.CompletedTask;
    }

    private sealed class Scheduled(TimeSpan delay, Func<Task> run) : IDisposable
    {
        public TimeSpan Delay => delay;

        public Func<Task> Run => run;

        public bool Fired { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
