using System.Net;
using System.Runtime.CompilerServices;

namespace Partner.Benchmarks;

/// <summary>
/// Durable ticket PUTs over HTTP. Each category's requests take the users in turn, and every user has one
/// fixed cell (a single value per dimension): a cell's arrivals alternate between waiting and completing a
/// pair with the one waiting, so half of the 201s are WAITING and half MATCHED, and a user's ticket has
/// always been matched by the time their turn comes again. Each category's workers take <paramref name="nodes"/> in turn.
/// </summary>
public sealed class RandomEnqueues(IReadOnlyList<PartnerClient> nodes, IReadOnlyList<BenchUser> users)
{
    private readonly Dictionary<string, StrongBox<long>> turns = new(StringComparer.Ordinal)
    {
        [TicketBodies.Meal] = new(-1),
        [TicketBodies.Study] = new(-1),
    };

    public RandomEnqueues(PartnerClient client, IReadOnlyList<BenchUser> users)
        : this([client], users)
    {
    }

    /// <summary><paramref name="workersPerCategory"/> closed-loop workers on each category, all at once.</summary>
    public Task<LoadResult> RunAsync(IReadOnlyList<string> categories, int workersPerCategory, TimeSpan duration, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(categories.Count * workersPerCategory, duration, (worker, ct) => EnqueueAsync(nodes[worker / categories.Count % nodes.Count], categories[worker % categories.Count], ct), cancellationToken);

    private async ValueTask<Outcome> EnqueueAsync(PartnerClient client, string category, CancellationToken cancellationToken)
    {
        var cells = TicketBodies.Of(category);
        var user = (int)(Interlocked.Increment(ref turns[category].Value) % users.Count);
        var answer = await client.PutTicketAsync(category, users[user], cells[user % cells.Count], cancellationToken);
        return answer.Status switch
        {
            HttpStatusCode.Created => Outcome.Ok($"{category} 201 {answer.TicketStatus}"),
            HttpStatusCode.OK => Outcome.Other($"{category} 200 already waiting"),
            var status => Outcome.Other($"{category} {(int)status} {answer.Code}".TrimEnd()),
        };
    }
}
