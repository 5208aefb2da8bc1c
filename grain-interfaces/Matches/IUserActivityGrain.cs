namespace Partner.Matches;

/// <summary>One end of a time window: an instant, or a calendar date meaning the start of that day in the school's time zone.</summary>
[GenerateSerializer, Immutable, Alias("partner.time-bound")]
public sealed record TimeBound(
    [property: Id(0)] DateTimeOffset? Instant,
    [property: Id(1)] DateOnly? Date);

/// <summary>A match as it appears in a member's history.</summary>
[GenerateSerializer, Immutable, Alias("partner.match-record")]
public sealed record MatchRecord(
    [property: Id(0)] Guid MatchId,
    [property: Id(1)] string Category,
    [property: Id(2)] MatchMethod Method,
    [property: Id(3)] Guid? RoomId,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string Title,
    [property: Id(6)] int MemberCount);

/// <summary>A user's activity: points (with time and category) and match history. Keyed by user id.</summary>
[Alias("partner.user-activity")]
public interface IUserActivityGrain : IGrainWithGuidKey
{
    /// <summary>Adds the match to the history and awards its points; idempotent per match.</summary>
    [Alias("record-match")]
    Task RecordMatch(MatchRecord match, int points);

    /// <summary>Awards points once per <paramref name="key"/> (e.g. "review:{matchId}:{reviewer}:{target}").</summary>
    [Alias("add-points")]
    Task AddPoints(string key, string category, int points);

    /// <summary>
    /// Sum of the points earned in [<paramref name="from"/>, <paramref name="to"/>), optionally in one category;
    /// <c>validation</c> naming <c>from</c> when it is after <paramref name="to"/>.
    /// </summary>
    [Alias("score")]
    Task<long> Score(string? category, TimeBound? from, TimeBound? to);

    /// <summary>My matches, newest first, optionally filtered.</summary>
    [Alias("matches")]
    Task<Page<MatchRecord>> Matches(string? category, MatchMethod? method, int page, int size);
}
