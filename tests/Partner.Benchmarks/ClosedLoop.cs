using System.Diagnostics;

namespace Partner.Benchmarks;

/// <summary>How one operation ended: a label to count it under, and whether it is what the run measures.</summary>
public readonly record struct Outcome(string Label, bool Success)
{
    public static Outcome Ok(string label) => new(label, true);

    public static Outcome Other(string label) => new(label, false);
}

/// <summary>
/// K workers, each starting its next operation as soon as the previous one answered, for a fixed time
/// or a fixed number of operations. Latency is measured per operation from the worker's point of view.
/// </summary>
public static class ClosedLoop
{
    public static Task<LoadResult> RunAsync(
        int workers, TimeSpan duration, Func<int, CancellationToken, ValueTask<Outcome>> operation, CancellationToken cancellationToken)
    {
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return RunCoreAsync(workers, () => Stopwatch.GetTimestamp() < stopAt ? 0 : -1, (worker, _, ct) => operation(worker, ct), cancellationToken);
    }

    /// <summary>Operations 0 to <paramref name="operations"/> − 1, each run once by whichever worker is free next (worker, operation).</summary>
    public static Task<LoadResult> RunCountAsync(
        int workers, int operations, Func<int, int, CancellationToken, ValueTask<Outcome>> operation, CancellationToken cancellationToken)
    {
        var claimed = -1L;
        return RunCoreAsync(workers, () => Interlocked.Increment(ref claimed) is var next && next < operations ? next : -1,
            (worker, number, ct) => operation(worker, (int)number, ct), cancellationToken);
    }

    /// <summary><paramref name="claim"/> gives the number of a worker's next operation, or −1 when the run is over.</summary>
    private static async Task<LoadResult> RunCoreAsync(
        int workers, Func<long> claim, Func<int, long, CancellationToken, ValueTask<Outcome>> operation, CancellationToken cancellationToken)
    {
        var successLatencies = new List<long>[workers];
        var counts = new Dictionary<string, long>[workers];
        var start = Stopwatch.GetTimestamp();
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            successLatencies[worker] = new List<long>(4096);
            counts[worker] = new Dictionary<string, long>(StringComparer.Ordinal);
            tasks[worker] = Task.Run(async () =>
            {
                var latencies = successLatencies[worker];
                var tally = counts[worker];
                while (!cancellationToken.IsCancellationRequested && claim() is var number and >= 0)
                {
                    var began = Stopwatch.GetTimestamp();
                    Outcome outcome;
                    try
                    {
                        outcome = await operation(worker, number, cancellationToken);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        outcome = Outcome.Other(ex.GetType().Name);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    if (outcome.Success)
                    {
                        latencies.Add(Stopwatch.GetTimestamp() - began);
                    }

                    tally[outcome.Label] = tally.GetValueOrDefault(outcome.Label) + 1;
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        var elapsed = Stopwatch.GetElapsedTime(start);

        var merged = counts.SelectMany(c => c).GroupBy(c => c.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Value), StringComparer.Ordinal);
        var all = successLatencies.SelectMany(l => l).ToArray();
        return new LoadResult(workers, elapsed, all.LongLength, merged, LatencySummary.From(all));
    }
}

/// <summary>One closed-loop run: successes per second and the latency of successful operations.</summary>
public sealed record LoadResult(int Workers, TimeSpan Elapsed, long Successes, IReadOnlyDictionary<string, long> Outcomes, LatencySummary Latency)
{
    public double Rate => Successes / Elapsed.TotalSeconds;

    public long Total => Outcomes.Values.Sum();
}

/// <summary>Percentiles in milliseconds (nearest rank).</summary>
public sealed record LatencySummary(double P50, double P95, double P99, double Max)
{
    public static LatencySummary Empty { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencySummary From(long[] stopwatchTicks)
    {
        if (stopwatchTicks.Length == 0)
        {
            return Empty;
        }

        return FromMilliseconds([.. stopwatchTicks.Select(ticks => ticks * 1000.0 / Stopwatch.Frequency)]);
    }

    public static LatencySummary FromMilliseconds(double[] milliseconds)
    {
        if (milliseconds.Length == 0)
        {
            return Empty;
        }

        Array.Sort(milliseconds);
        double Rank(double p) => milliseconds[Math.Clamp((int)Math.Ceiling(p * milliseconds.Length) - 1, 0, milliseconds.Length - 1)];
        return new LatencySummary(Rank(0.50), Rank(0.95), Rank(0.99), milliseconds[^1]);
    }
}
