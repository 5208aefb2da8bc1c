using System.Diagnostics;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>A joiner that alternately joins and leaves one room: each call raises one alarm (ROOM_JOINED, then ROOM_LEFT) to the room's owner.</summary>
public sealed class TrafficSlot(Guid roomId, BenchUser joiner, HubReceiver owner)
{
    private int busy;

    public Guid RoomId => roomId;

    public BenchUser Joiner => joiner;

    public HubReceiver Owner => owner;

    public bool Joined { get; set; }

    public bool TryTake() => Interlocked.CompareExchange(ref busy, 1, 0) == 0;

    public void Release() => Volatile.Write(ref busy, 0);
}

/// <summary>
/// An open-loop generator: calls start at a fixed rate whatever the answers, spread over slots in turn (a slot whose
/// previous call has not answered is passed over). A call's latency is counted from when it was due, so a late
/// start counts against it.
/// </summary>
public sealed class AlarmTraffic(PartnerClient client, IReadOnlyList<TrafficSlot> slots)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);
    private int cursor;

    public async Task<LoadResult> RunAsync(double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var calls = new List<Task<(string Label, double? Milliseconds)>>((int)total);
        var start = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(Tick);
        for (long next = 0; next < total;)
        {
            var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate) + 1);
            for (; next < due; next++)
            {
                var dueAt = start + (long)(next / rate * Stopwatch.Frequency);
                calls.Add(NextSlot() is { } slot ? CallAsync(slot, dueAt, cancellationToken) : Task.FromResult<(string, double?)>(("no free slot", null)));
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }

        var outcomes = await Task.WhenAll(calls);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var latencies = outcomes.Where(o => o.Milliseconds is not null).Select(o => o.Milliseconds!.Value).ToArray();
        var counts = outcomes.GroupBy(o => o.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        return new LoadResult(0, elapsed, latencies.LongLength, counts, LatencySummary.FromMilliseconds(latencies));
    }

    private TrafficSlot? NextSlot()
    {
        for (var tried = 0; tried < slots.Count; tried++)
        {
            var slot = slots[(int)((uint)Interlocked.Increment(ref cursor) % (uint)slots.Count)];
            if (slot.TryTake())
            {
                return slot;
            }
        }

        return null;
    }

    private async Task<(string Label, double? Milliseconds)> CallAsync(TrafficSlot slot, long dueAt, CancellationToken cancellationToken)
    {
        try
        {
            var joining = !slot.Joined;
            var status = joining
                ? (await client.JoinAsync(slot.RoomId, slot.Joiner, cancellationToken)).Status
                : await client.LeaveAsync(slot.RoomId, slot.Joiner, cancellationToken);
            var milliseconds = Stopwatch.GetElapsedTime(dueAt).TotalMilliseconds;
            if (status is HttpStatusCode.Created or HttpStatusCode.NoContent)
            {
                slot.Joined = joining;
                slot.Owner.Expect();
                return (joining ? "joined" : "left", milliseconds);
            }

            // Out of step (a call that failed at the client after the server acted): "already in" or "not a participant" puts it back.
            if ((joining && status == HttpStatusCode.OK) || (!joining && status == HttpStatusCode.Conflict))
            {
                slot.Joined = joining;
            }

            return ($"{(joining ? "join" : "leave")} {(int)status}", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (ex.GetType().Name, null);
        }
        finally
        {
            slot.Release();
        }
    }
}
