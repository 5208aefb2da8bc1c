using System.Globalization;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>
/// The join/leave storm: every user is a closed-loop worker that joins its room, leaves it, joins it again, and so on
/// (user i in room i mod rooms, through node i mod nodes); a join (201) and a leave (204) each count as one operation.
/// A user's last known place survives between runs; an unexpected answer (200 already in, 409 not in) corrects it.
/// </summary>
public sealed class JoinLeaveStorm(IReadOnlyList<PartnerClient> nodes, IReadOnlyList<BenchUser> users, IReadOnlyList<Guid> rooms)
{
    private readonly bool[] inside = new bool[users.Count];

    public int Users => users.Count;

    public Task<LoadResult> RunAsync(TimeSpan duration, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(users.Count, duration, StepAsync, cancellationToken);

    private async ValueTask<Outcome> StepAsync(int user, CancellationToken cancellationToken)
    {
        var client = nodes[user % nodes.Count];
        var room = rooms[user % rooms.Count];
        if (!inside[user])
        {
            var (status, code) = await client.JoinAsync(room, users[user], cancellationToken);
            inside[user] = status is HttpStatusCode.Created or HttpStatusCode.OK;
            return status switch
            {
                HttpStatusCode.Created => Outcome.Ok("201 joined"),
                HttpStatusCode.OK => Outcome.Other("200 already in"),
                _ => Outcome.Other($"join {(int)status} {code}".TrimEnd()),
            };
        }

        var left = await client.LeaveAsync(room, users[user], cancellationToken);
        inside[user] = left is not (HttpStatusCode.NoContent or HttpStatusCode.Conflict);
        return left == HttpStatusCode.NoContent
            ? Outcome.Ok("204 left")
            : Outcome.Other("leave " + ((int)left).ToString(CultureInfo.InvariantCulture));
    }
}
