using Microsoft.Extensions.Logging;

namespace Partner.Matches;

public sealed partial class UserActivityGrain(
    [PersistentState("activity")] IPersistentState<UserActivityState> state,
    SchoolCalendar calendar,
    TimeProvider clock,
    ILogger<UserActivityGrain> logger) : Grain, IUserActivityGrain
{
    internal const int MaxPageSize = 100;

    private static readonly Comparison<MatchRecord> NewestFirst = (a, b) =>
        b.CreatedAt.CompareTo(a.CreatedAt) is var byTime and not 0 ? byTime : b.MatchId.CompareTo(a.MatchId);

    private Guid UserId => this.GetPrimaryKey();

    public async Task RecordMatch(MatchRecord match, int points)
    {
        var activity = state.State;
        if (activity.Matches.Exists(m => m.MatchId == match.MatchId))
        {
            return;
        }

        activity.Matches.Add(match);
        activity.Matches.Sort(NewestFirst);
        if (points != 0)
        {
            activity.Points.Add(new PointEntry(KeyOf(MatchKey(match.MatchId)), match.Category, points, clock.GetUtcNow()));
        }

        await SaveAsync();
        LogMatchRecorded(logger, UserId, match.MatchId, points);
    }

    public async Task AddPoints(string key, string category, int points)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw Errors.Validation("key", "A point award needs a key.");
        }

        var id = KeyOf(key);
        if (state.State.Points.Exists(p => p.Key == id))
        {
            return;
        }

        state.State.Points.Add(new PointEntry(id, category, points, clock.GetUtcNow()));
        await SaveAsync();
    }

    public Task<long> Score(string? category, TimeBound? from, TimeBound? to)
    {
        var (start, end) = (Resolve(from), Resolve(to));
        if (start > end)
        {
            throw Errors.Validation("from", "from is not after to.");
        }

        return Task.FromResult(state.State.Points
            .Where(p => InCategory(p.Category, category) && (start is null || p.At >= start) && (end is null || p.At < end))
            .Sum(p => (long)p.Points));
    }

    private DateTimeOffset? Resolve(TimeBound? bound) => bound?.Date is { } date ? calendar.StartOf(date) : bound?.Instant;

    public Task<Page<MatchRecord>> Matches(string? category, MatchMethod? method, int page, int size)
    {
        if (page < 0)
        {
            throw Errors.Validation("page", "page is 0 or more.");
        }

        if (size is < 1 or > MaxPageSize)
        {
            throw Errors.Validation("size", $"size is 1 to {MaxPageSize}.");
        }

        var matching = state.State.Matches.Where(m => InCategory(m.Category, category) && (method is null || m.Method == method)).ToList();
        var skip = (long)page * size;
        var items = skip >= matching.Count ? [] : matching.GetRange((int)skip, (int)Math.Min(size, matching.Count - skip));
        return Task.FromResult(new Page<MatchRecord>([.. items], page, size, matching.Count > skip + size));
    }

    /// <summary>The key under which a match's own points are awarded.</summary>
    internal static string MatchKey(Guid matchId) => $"match:{matchId:D}";

    private static Guid KeyOf(string key) => NameBasedGuid.Create(key);

    private static bool InCategory(string value, string? category) =>
        category is null || string.Equals(value, category, StringComparison.OrdinalIgnoreCase);

    private Task SaveAsync() => state.WriteOrRefuseAsync(this);

    [LoggerMessage(Level = LogLevel.Debug, Message = "User {UserId} recorded match {MatchId} for {Points} points")]
    private static partial void LogMatchRecorded(ILogger logger, Guid userId, Guid matchId, int points);
}
