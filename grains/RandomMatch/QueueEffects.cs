using Microsoft.Extensions.Logging;

namespace Partner.RandomMatch;

/// <summary>Starts <c>run</c> after <c>delay</c> on the owner's scheduler (the grain's interleaving timer); disposing cancels it.</summary>
public delegate IDisposable EffectTimer(TimeSpan delay, Func<Task> run);

/// <summary>
/// A queue's effects (match creations, expiry alarms) once their events are durable: run in journal order through at
/// most <c>maxInFlight</c> lanes, each one effect at a time and joined by more lanes as effects arrive, so a burst of
/// matches never floods the silo (or the database behind it) ahead of the queue's own turns; a failing effect pauses
/// them all and is retried with backoff. Also the back-pressure (<see cref="EffectBackPressure"/>) that holds the next
/// batch while they lag. Effects are idempotent: a replay may run one again.
/// </summary>
public sealed partial class QueueEffects
{
    private readonly int maxInFlight;
    private readonly TimeSpan maxLag;
    private readonly Func<QueueEvent, Task> run;
    private readonly Action<long> done;
    private readonly EffectTimer startAfter;
    private readonly TimeProvider time;
    private readonly long origin;
    private readonly ILogger logger;
    private readonly string category;
    private readonly EffectBackPressure backPressure;
    private readonly RetryBackoff backoff = new();

    /// <summary>Effects not started yet, oldest first.</summary>
    private Queue<PendingEffect> effects = new();

    /// <summary>Lanes running; each runs one effect at a time, so this is also the number of effects under way.</summary>
    private int lanes;
    private bool paused;
    private IDisposable? timer;
    private TaskCompletionSource? effectDone;

    /// <param name="run">Does one effect; a throw means it failed and is retried.</param>
    /// <param name="done">Told the journal segment of each effect done.</param>
    /// <param name="time">A monotonic clock for the lag (not the domain clock).</param>
    public QueueEffects(int maxInFlight, TimeSpan maxLag, Func<QueueEvent, Task> run, Action<long> done, EffectTimer startAfter, TimeProvider time, ILogger logger, string category)
    {
        this.maxInFlight = maxInFlight;
        this.maxLag = maxLag;
        this.run = run;
        this.done = done;
        this.startAfter = startAfter;
        this.time = time;
        this.logger = logger;
        this.category = category;
        origin = time.GetTimestamp();
        backPressure = new EffectBackPressure(maxLag, Now);
    }

    /// <summary>Effects not done: waiting and running.</summary>
    public int Outstanding => effects.Count + lanes;

    /// <summary>Effects under way now.</summary>
    public int Running => lanes;

    private long Now => (long)time.GetElapsedTime(origin).TotalMilliseconds;

    /// <summary>Queues the effect of an event recorded in journal segment <paramref name="segment"/>; <see cref="Start"/> runs it.</summary>
    public void Add(QueueEvent effect, long segment) => effects.Enqueue(new PendingEffect(effect, segment, Now));

    /// <summary>Forgets the queued effects recorded below <paramref name="below"/> (a replayed marker says they are done); returns their segments.</summary>
    public List<long> DropBelow(long below)
    {
        var dropped = new List<long>();
        var stillPending = new Queue<PendingEffect>(effects.Count);
        foreach (var effect in effects)
        {
            if (effect.Segment >= below)
            {
                stillPending.Enqueue(effect);
            }
            else
            {
                dropped.Add(effect.Segment);
            }
        }

        effects = stillPending;
        return dropped;
    }

    /// <summary>Starts lanes for queued effects (unless they are paused by a failure, or all lanes run).</summary>
    public void Start()
    {
        if (effects.Count > 0 && lanes < maxInFlight && timer is null && !paused)
        {
            // Interleaving: effects call other grains for milliseconds and must not hold up tickets; they only touch effect bookkeeping.
            timer = startAfter(TimeSpan.Zero, StartLanesAsync);
        }
    }

    /// <summary>
    /// Returns once effects do not lag (or are failing), re-checking at each completed effect. Under a sustained overload
    /// the next batch then waits for the rate effects are done instead of matches appearing ever later.
    /// </summary>
    public async Task CaughtUpAsync()
    {
        var began = Now;
        while (Lagging())
        {
            effectDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await effectDone.Task;
        }

        // Short waits are the back-pressure working; one as long as the lag itself means effects nearly stopped.
        var waited = TimeSpan.FromMilliseconds(Now - began);
        if (waited > maxLag)
        {
            LogHeldForEffects(logger, category, waited, Outstanding, lanes);
        }
    }

    private bool Lagging() =>
        !paused && backPressure.Holds(effects.TryPeek(out var oldest) ? oldest.QueuedAt : null, Outstanding, Now);

    private void ReleaseWaiters()
    {
        effectDone?.TrySetResult();
        effectDone = null;
    }

    private Task StartLanesAsync()
    {
        timer?.Dispose();
        timer = null;
        paused = false;
        var added = Math.Min(maxInFlight - lanes, effects.Count);
        if (lanes == 0 && added > 0)
        {
            backPressure.Resume(Now);
        }

        lanes += added;
        return Task.WhenAll(Enumerable.Range(0, added).Select(_ => LaneAsync()));
    }

    private async Task LaneAsync()
    {
        try
        {
            while (!paused && effects.TryDequeue(out var effect))
            {
                var error = await RunAsync(effect);
                if (error is null)
                {
                    done(effect.Segment);
                    backPressure.Done(Now);
                    ReleaseWaiters();

                    // The wait grows only while nothing gets through: one failing effect does not slow the others down for long.
                    backoff.Reset();
                    continue;
                }

                effects.Enqueue(effect);
                if (!paused)
                {
                    paused = true;
                    ReleaseWaiters();
                    var delay = backoff.Next();
                    LogEffectFailed(logger, error, category, delay);
                    timer?.Dispose();
                    timer = startAfter(delay, StartLanesAsync);
                }
            }
        }
        finally
        {
            lanes--;
        }
    }

    private async Task<Exception?> RunAsync(PendingEffect effect)
    {
        try
        {
            await run(effect.Event);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category}: a match or expiry alarm was not delivered; retrying in {Backoff}")]
    private static partial void LogEffectFailed(ILogger logger, Exception exception, string category, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category} held tickets for {Waited} until its effects caught up ({Pending} pending, {Lanes} lanes running)")]
    private static partial void LogHeldForEffects(ILogger logger, string category, TimeSpan waited, int pending, int lanes);

    /// <param name="QueuedAt">When it was queued (milliseconds of the monotonic clock): how far effects lag behind.</param>
    private sealed record PendingEffect(QueueEvent Event, long Segment, long QueuedAt);
}
