using System.Collections.Immutable;
using System.Diagnostics;
using Partner.RandomMatch;

namespace Partner.Benchmarks;

/// <summary>One ticket to enqueue: a user seen for the first time and their conditions.</summary>
public sealed record QueueTicket(Actor User, ImmutableDictionary<string, ImmutableArray<string>> Conditions);

/// <summary>A fixed stream of calls into one queue, the queue around it, and the grain-storage traffic during it.</summary>
public sealed record QueueStream(LoadResult Load, int WaitingBefore, int WaitingAfter, StorageCounts Storage = default, TimeSpan? EffectsDoneAfter = null, TimeSpan? CpuUntilEffectsDone = null)
{
    /// <summary>
    /// CPU microseconds this process spent per ticket from the first call until the groups' effects were written: the queue's
    /// turns, the callers and the effects, whatever else the machine runs (another process's load changes the rate, not this).
    /// </summary>
    public double? CpuMicrosPerTicket => CpuUntilEffectsDone is { } cpu && Load.Total > 0 ? cpu.TotalMicroseconds / Load.Total : null;

    /// <summary>Tickets per second counted until the last write of the groups' effects (matches, points, alarms), not only until the last answer.</summary>
    public double? RateWithEffects => EffectsDoneAfter is { } done && done > TimeSpan.Zero ? Load.Total / done.TotalSeconds : null;

    public const string Matched = "MATCHED (formed a group)";
    public const string Waiting = "WAITING";

    public long Matches => Load.Outcomes.GetValueOrDefault(Matched);
}

/// <summary>
/// Enqueues into the <see cref="BenchCategory"/> queue, each by a distinct new user with random
/// conditions (<see cref="ConditionMix"/>): through the embedded silo's grain, or into a bare
/// <see cref="RandomMatcher"/> for reference.
/// </summary>
public sealed class QueueThroughput
{
    private const int PreloadWorkers = 64;
    private const int MaxPreloadBatch = 2000;
    private static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(30);

    private readonly ConditionMix mix = new(20261125);
    private long users;

    /// <summary>Tickets of new users (generated before a run, so the run measures only the enqueues).</summary>
    public QueueTicket[] Tickets(int count)
    {
        var tickets = new QueueTicket[count];
        for (var i = 0; i < count; i++)
        {
            var n = ++users;
            tickets[i] = new QueueTicket(new Actor(Guid.NewGuid(), $"bench{n:D7}", IsAdmin: false), mix.Next());
        }

        return tickets;
    }

    /// <summary>Enqueues batches of tickets until at least <paramref name="target"/> wait; returns the waiting count and the tickets it took.</summary>
    public async Task<(int Waiting, int Enqueued)> PreloadAsync(EmbeddedQueue queue, int target, CancellationToken cancellationToken)
    {
        var grain = queue.Front;
        var waiting = await queue.WaitingAsync();
        var enqueued = 0;
        while (waiting < target)
        {
            if (enqueued > target * 20)
            {
                throw new InvalidOperationException($"{enqueued:N0} tickets enqueued and only {waiting:N0} wait: the category has too few cells for {target:N0}.");
            }

            var batch = Tickets(Math.Clamp((target - waiting) * 3, 200, MaxPreloadBatch));
            var load = await ClosedLoop.RunCountAsync(PreloadWorkers, batch.Length, async (_, i, _) =>
            {
                await grain.Enqueue(batch[i].User, batch[i].Conditions);
                return Outcome.Ok("enqueued");
            }, cancellationToken);
            if (load.Successes != batch.Length)
            {
                throw new InvalidOperationException($"Preloading the queue failed: {string.Join("; ", load.Outcomes.Select(o => $"{o.Key}: {o.Value}"))}");
            }

            enqueued += batch.Length;
            waiting = await queue.WaitingAsync();
        }

        return (waiting, enqueued);
    }

    /// <summary>K callers enqueue the tickets, each once; waiting counts are read from the queue before and after.</summary>
    public static async Task<QueueStream> RunAsync(EmbeddedQueue queue, QueueTicket[] tickets, int workers, CancellationToken cancellationToken)
    {
        var grain = queue.Front;
        var before = await queue.WaitingAsync();
        var written = queue.Tally.Read();
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var load = await ClosedLoop.RunCountAsync(workers, tickets.Length, async (_, i, _) =>
        {
            var result = await grain.Enqueue(tickets[i].User, tickets[i].Conditions);
            return !result.Created ? Outcome.Other("not created")
                : result.Ticket.Status == TicketStatus.Matched ? Outcome.Ok(QueueStream.Matched)
                : Outcome.Ok(QueueStream.Waiting);
        }, cancellationToken);
        var (effectsDone, cpuAtEffectsDone) = await queue.LastWriteAfterAsync(started, cancellationToken);
        return new QueueStream(load, before, await queue.WaitingAsync(), queue.Tally.Read() - written, effectsDone, cpuAtEffectsDone - cpuBefore);
    }

    /// <summary>K callers each ask the queue for its waiting count: a read-only call that does no work, the floor of a grain call.</summary>
    public static async Task<QueueStream> RunGetsAsync(EmbeddedQueue queue, int calls, int workers, CancellationToken cancellationToken)
    {
        var grain = queue.Queue;
        var before = await queue.WaitingAsync();
        var load = await ClosedLoop.RunCountAsync(workers, calls, async (_, _, _) =>
        {
            await grain.Get(null);
            return Outcome.Ok("answered");
        }, cancellationToken);
        return new QueueStream(load, before, await queue.WaitingAsync());
    }

    /// <summary>
    /// The matcher alone, on one thread: the same ticket mix into a fresh <see cref="RandomMatcher"/> preloaded to
    /// <paramref name="target"/> waiting tickets, then <paramref name="count"/> tickets, each <c>Ticket</c> + <c>FindGroup</c>
    /// + <c>Add</c> or the members' <c>Remove</c>. No Orleans, no condition validation, no journal.
    /// </summary>
    public QueueStream RunBareMatcher(int target, int count)
    {
        var matcher = new RandomMatcher(BenchCategory.Definition);
        var now = DateTimeOffset.UtcNow;
        var seq = 0L;
        var waiting = 0;
        bool Enqueue(QueueTicket ticket)
        {
            var waitingTicket = matcher.Ticket(seq++, ticket.User.UserId, ticket.User.Nickname, ticket.Conditions, now, now + TicketLifetime);
            var group = matcher.FindGroup(waitingTicket);
            if (group is null)
            {
                matcher.Add(waitingTicket);
                waiting++;
                return false;
            }

            foreach (var member in group)
            {
                if (member != waitingTicket)
                {
                    matcher.Remove(member);
                }
            }

            waiting -= group.Length - 1;
            return true;
        }

        while (waiting < target)
        {
            foreach (var ticket in Tickets(MaxPreloadBatch))
            {
                Enqueue(ticket);
            }
        }

        var before = waiting;
        var stream = Tickets(count);
        var latencies = new long[count];
        var matches = 0L;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var began = Stopwatch.GetTimestamp();
            if (Enqueue(stream[i]))
            {
                matches++;
            }

            latencies[i] = Stopwatch.GetTimestamp() - began;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal) { [QueueStream.Matched] = matches, [QueueStream.Waiting] = count - matches };
        return new QueueStream(new LoadResult(1, elapsed, count, outcomes, LatencySummary.From(latencies)), before, waiting);
    }
}
