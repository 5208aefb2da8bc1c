using System.Diagnostics;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>One join run and what became of its rooms.</summary>
public sealed record JoinRun(LoadResult Load, int Slots, long Rotations, long Exhausted, IReadOnlyDictionary<string, long> Extra);

/// <summary>
/// Durable joins over HTTP: users signed in by dev login join rooms opened by other users. Setup goes through the first
/// of <paramref name="nodes"/>; worker w joins through node w mod n (round-robin by connection).
/// </summary>
public sealed class PartnerJoins(IReadOnlyList<PartnerClient> nodes, BenchmarkOptions options)
{
    private const int SetupParallelism = 32;
    private static readonly TimeSpan TokenRefreshAge = TimeSpan.FromMinutes(10);

    private BenchUser[] users = [];
    private DateTime signedInAt;
    private int roomsCreated;
    private int ownersSignedIn;
    private long nextUser;

    public PartnerJoins(PartnerClient client, BenchmarkOptions options)
        : this([client], options)
    {
    }

    /// <summary>Room creations per second of each preparation (informational).</summary>
    public List<double> CreateRates { get; } = [];

    public int RoomsCreated => roomsCreated;

    /// <summary>The joining users, as last signed in.</summary>
    public IReadOnlyList<BenchUser> Users => users;

    /// <summary>Signs every user in; again when the access tokens (15 minutes) are getting old.</summary>
    public async Task SignInAsync(CancellationToken cancellationToken)
    {
        if (users.Length == options.Users && DateTime.UtcNow - signedInAt < TokenRefreshAge)
        {
            return;
        }

        var signedIn = new BenchUser[options.Users];
        var startedAt = DateTime.UtcNow;
        await Parallel.ForAsync(0, options.Users, Parallelism(cancellationToken), async (i, ct) =>
            signedIn[i] = await nodes[i % nodes.Count].SignInAsync($"bench{i:D5}", ct));
        users = signedIn;
        signedInAt = startedAt;
    }

    /// <summary>
    /// Opens rooms spread over two categories, two weeks of dates and the API nodes (in turn, as a load balancer would:
    /// a co-hosted node places the grains a request activates on its own silo). Each room gets a fresh owner
    /// (signed in first, so no owner's alarm inbox grows across runs), or with <c>--owners joiners</c>
    /// the joining users own them in turn.
    /// </summary>
    public async Task<Guid[]> CreateRoomsAsync(int count, CancellationToken cancellationToken)
    {
        var owners = options.FreshOwners ? await SignInOwnersAsync(count, cancellationToken) : users;
        var first = roomsCreated;
        roomsCreated += count;
        var today = PartnerClient.Today();
        var rooms = new Guid[count];
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, Parallelism(cancellationToken), async (i, ct) =>
        {
            var n = first + i;
            var category = n % 2 == 0 ? "MEAL" : "STUDY";
            var owner = options.FreshOwners ? owners[i] : owners[n % owners.Length];
            rooms[i] = await nodes[n % nodes.Count].CreateRoomAsync(owner, category, today.AddDays(n / 2 % 14), options.Capacity, ct);
        });
        CreateRates.Add(count / clock.Elapsed.TotalSeconds);
        return rooms;
    }

    /// <summary>Opens <paramref name="count"/> MEAL rooms on one date, owned by the joining users in turn.</summary>
    public async Task CreateOnDateAsync(DateOnly date, int count, CancellationToken cancellationToken)
    {
        var first = roomsCreated;
        roomsCreated += count;
        // One day's directory takes its creations one at a time: more at once would only queue there.
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
            await nodes[(first + i) % nodes.Count].CreateRoomAsync(users[(first + i) % users.Length], "MEAL", date, options.Capacity, ct));
    }

    /// <summary>Opens <paramref name="slots"/> rooms and enough spares to replace the ones that fill up during the run.</summary>
    public async Task<RoomPool<Guid>> PrepareAsync(int slots, double expectedRate, TimeSpan duration, CancellationToken cancellationToken)
    {
        await SignInAsync(cancellationToken);
        var rooms = await CreateRoomsAsync(slots + SparesFor(expectedRate, duration), cancellationToken);
        return new RoomPool<Guid>(rooms.Take(slots), rooms.Skip(slots), options.Seats);
    }

    /// <summary>K workers join the pool's rooms; full rooms are replaced by fresh ones.</summary>
    public async Task<JoinRun> RunAsync(RoomPool<Guid> pool, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var load = await ClosedLoop.RunAsync(workers, duration, (worker, ct) => JoinAsync(nodes[worker % nodes.Count], pool, ct), cancellationToken);
        return new JoinRun(load, pool.Slots, pool.Rotations, pool.Exhausted, new Dictionary<string, long>());
    }

    /// <summary>Spare rooms for 1.5 times the expected joins, so that rooms rarely run out.</summary>
    public int SparesFor(double expectedRate, TimeSpan duration) =>
        (int)Math.Ceiling(expectedRate * 1.5 * duration.TotalSeconds / options.Seats);

    private async ValueTask<Outcome> JoinAsync(PartnerClient client, RoomPool<Guid> pool, CancellationToken cancellationToken)
    {
        var (slot, room) = pool.Pick();
        var user = users[(int)((ulong)Interlocked.Increment(ref nextUser) % (ulong)users.Length)];
        var (status, code) = await client.JoinAsync(room, user, cancellationToken);
        switch (status)
        {
            case HttpStatusCode.Created:
                pool.Joined(slot, room);
                return Outcome.Ok("201 joined");
            case HttpStatusCode.OK:
                return Outcome.Other("200 already in");
            case HttpStatusCode.Conflict when code == "room.full":
                pool.Full(slot, room);
                return Outcome.Other("409 room.full");
            default:
                return Outcome.Other($"{(int)status} {code}".TrimEnd());
        }
    }

    private async Task<BenchUser[]> SignInOwnersAsync(int count, CancellationToken cancellationToken)
    {
        var first = ownersSignedIn;
        ownersSignedIn += count;
        var owners = new BenchUser[count];
        await Parallel.ForAsync(0, count, Parallelism(cancellationToken), async (i, ct) =>
            owners[i] = await nodes[(first + i) % nodes.Count].SignInAsync($"owner{first + i:D6}", ct));
        return owners;
    }

    private static ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = cancellationToken };
}
