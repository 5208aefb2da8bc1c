namespace Partner.Benchmarks;

/// <summary>
/// What a run's receivers got: the receipt latency (receipt time − the alarm's <c>createdAt</c>, one machine's clock) of
/// every alarm created from <see cref="MeasureFrom"/> on, and how many arrived, once or more than once.
/// </summary>
public sealed class AlarmLedger
{
    private readonly Lock gate = new();
    private readonly List<double> latencies = new(16_384);
    private long received;
    private long duplicates;

    /// <summary>Alarms created before this instant (the warm-up) are counted, not timed.</summary>
    public DateTimeOffset MeasureFrom { get; set; } = DateTimeOffset.MaxValue;

    public long Received => Interlocked.Read(ref received);

    public long Duplicates => Interlocked.Read(ref duplicates);

    public void Record(DateTimeOffset createdAt, DateTimeOffset receivedAt, bool duplicate)
    {
        Interlocked.Increment(ref received);
        if (duplicate)
        {
            Interlocked.Increment(ref duplicates);
            return;
        }

        if (createdAt >= MeasureFrom)
        {
            lock (gate)
            {
                latencies.Add((receivedAt - createdAt).TotalMilliseconds);
            }
        }
    }

    public (long Count, LatencySummary Latency) Timed()
    {
        lock (gate)
        {
            return (latencies.Count, LatencySummary.FromMilliseconds([.. latencies]));
        }
    }
}
