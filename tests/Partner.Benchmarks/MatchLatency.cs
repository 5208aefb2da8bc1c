using System.Diagnostics;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>
/// Pairs run: its load counts pairs whose match both members could read, with the latency from the second
/// member's 201 until both could; the PUT latencies and the polls are alongside.
/// </summary>
public sealed record PairRun(LoadResult Load, LatencySummary FirstPut, LatencySummary SecondPut, LatencySummary SecondPutToVisible, double PollsPerPair);

/// <summary>
/// How soon a random match can be read after the ticket that completes it is answered. User A puts a MEAL
/// ticket in a cell that no other pair in flight uses; user B puts the same ticket and gets 201 MATCHED with
/// the match id; then both poll <c>GET /api/matches/{id}</c> until each gets 200 (the match is created from
/// the queue's effects timer, after the answer).
/// </summary>
public sealed class MatchLatency(PartnerClient client, IReadOnlyList<BenchUser> users)
{
    public const string Category = TicketBodies.Meal;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(10);

    public async Task<PairRun> RunAsync(int pairs, int inFlight, CancellationToken cancellationToken)
    {
        var cells = TicketBodies.Of(Category);
        if (inFlight > cells.Count || users.Count < 2 * inFlight)
        {
            throw new ArgumentException($"At most {cells.Count} pairs in flight (one {Category} cell each), with two users each.", nameof(inFlight));
        }

        var firstPuts = NewLists(inFlight);
        var secondPuts = NewLists(inFlight);
        var visible = NewLists(inFlight);
        var polls = 0L;
        var load = await ClosedLoop.RunCountAsync(inFlight, pairs, async (worker, pair, ct) =>
        {
            var first = users[2 * pair % users.Count];
            var second = users[(2 * pair + 1) % users.Count];
            var body = cells[worker];
            var began = Stopwatch.GetTimestamp();
            var a = await client.PutTicketAsync(Category, first, body, ct);
            var firstAnswered = Stopwatch.GetTimestamp();
            if (a is not { Status: HttpStatusCode.Created, TicketStatus: "WAITING" })
            {
                return Outcome.Other($"first PUT {Describe(a)}");
            }

            var b = await client.PutTicketAsync(Category, second, body, ct);
            var secondAnswered = Stopwatch.GetTimestamp();
            if (b is not { Status: HttpStatusCode.Created, TicketStatus: "MATCHED", MatchId: { } matchId })
            {
                // Leave the cell empty for the slot's next pair.
                await client.CancelTicketAsync(Category, first, ct);
                await client.CancelTicketAsync(Category, second, ct);
                return Outcome.Other($"second PUT {Describe(b)}");
            }

            var path = $"/api/matches/{matchId}";
            var (seenFirst, seenSecond) = (false, false);
            while (true)
            {
                var checkFirst = seenFirst ? Task.FromResult(HttpStatusCode.OK) : client.GetAsync(path, first, ct).AsTask();
                var checkSecond = seenSecond ? Task.FromResult(HttpStatusCode.OK) : client.GetAsync(path, second, ct).AsTask();
                Interlocked.Add(ref polls, (seenFirst ? 0 : 1) + (seenSecond ? 0 : 1));
                seenFirst = await checkFirst == HttpStatusCode.OK;
                seenSecond = await checkSecond == HttpStatusCode.OK;
                if (seenFirst && seenSecond)
                {
                    break;
                }

                if (Stopwatch.GetElapsedTime(secondAnswered) > GiveUpAfter)
                {
                    return Outcome.Other($"match not readable by both within {GiveUpAfter.TotalSeconds:0} s");
                }

                await Task.Delay(PollInterval, ct);
            }

            var readable = Stopwatch.GetTimestamp();
            firstPuts[worker].Add(firstAnswered - began);
            secondPuts[worker].Add(secondAnswered - firstAnswered);
            visible[worker].Add(readable - secondAnswered);
            return Outcome.Ok("matched, readable by both");
        }, cancellationToken);

        var visibleTicks = visible.SelectMany(l => l).ToArray();
        return new PairRun(
            load with { Latency = LatencySummary.From(visibleTicks) },
            LatencySummary.From([.. firstPuts.SelectMany(l => l)]),
            LatencySummary.From([.. secondPuts.SelectMany(l => l)]),
            LatencySummary.From([.. secondPuts.Zip(visible, (s, v) => s.Zip(v, (x, y) => x + y)).SelectMany(l => l)]),
            visibleTicks.Length == 0 ? 0 : polls / (double)visibleTicks.Length);
    }

    private static List<long>[] NewLists(int count) => [.. Enumerable.Range(0, count).Select(_ => new List<long>())];

    private static string Describe(TicketAnswer answer) =>
        $"{(int)answer.Status} {answer.TicketStatus ?? answer.Code}".TrimEnd();
}
