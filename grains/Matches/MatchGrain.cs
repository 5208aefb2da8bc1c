using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Partner.Alarms;
using Partner.Slack;

namespace Partner.Matches;

public sealed partial class MatchGrain(
    [PersistentState("match")] IPersistentState<MatchState> state,
    SlackMatchPoster slackPoster,
    TimeProvider clock,
    ILogger<MatchGrain> logger) : Grain, IMatchGrain, IRemindable
{
    internal const int ReviewerPoints = 20;

    /// <summary>Wakes the match to award review points that a failure or a crash left pending.</summary>
    internal const string SettleReminder = "settle-review-points";

    private static readonly TimeSpan SettleRetry = TimeSpan.FromMinutes(1);

    private SlackOutbox slack = null!;

    private Guid MatchId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        slack = new SlackOutbox(this, slackPoster, () => state.State.Slack, () => state.State.Definition, SaveAsync, clock, logger);
        slack.Start();
        return Task.CompletedTask;
    }

    public async Task Create(MatchDefinition definition)
    {
        var match = state.State;
        if (match.Definition is null)
        {
            Validate(definition);
            match.Definition = definition;
            slack.Add();
            await SaveAsync();
            LogCreated(logger, MatchId, definition.Category, definition.Members.Length);
        }
        else if (!SameDefinition(match.Definition, definition))
        {
            throw Errors.Validation("definition", $"Match {MatchId} already exists with a different definition.");
        }

        // Every call, not only the first: a retried Create converges after a crash between these steps.
        var created = match.Definition;
        await Task.WhenAll(created.Members.Select(member => Announce(created, member)).Append(slack.SavedAsync()));
    }

    public Task<MatchView> Get(Actor viewer)
    {
        var definition = Existing();
        if (!IsMember(definition, viewer.UserId) && !viewer.IsAdmin)
        {
            throw Errors.MatchNotMember();
        }

        return Task.FromResult(View(definition, viewer.UserId));
    }

    public async Task Review(Actor reviewer, ImmutableArray<Review> reviews)
    {
        await SettleAsync();
        var definition = Existing();
        if (!IsMember(definition, reviewer.UserId))
        {
            throw Errors.MatchNotMember();
        }

        if (state.State.Reviews.Exists(r => r.ReviewerId == reviewer.UserId))
        {
            throw Errors.MatchAlreadyReviewed();
        }

        ValidateLines(definition, reviewer.UserId, reviews);

        // Registered before the review is stored, so a crash at any later point still ends in its points being awarded.
        await this.RegisterOrUpdateReminder(SettleReminder, SettleRetry, SettleRetry);
        state.State.Reviews.Add(new GivenReview { ReviewerId = reviewer.UserId, Lines = reviews, At = clock.GetUtcNow(), PointsPending = true });
        await SaveAsync();
        LogReviewed(logger, MatchId, reviewer.UserId, reviews.Length);
        await SettleAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SlackOutbox.Reminder)
        {
            await slack.RemindedAsync();
            return;
        }

        if (reminderName == SettleReminder && await SettleAsync())
        {
            // Also ends a reminder left behind when nothing was pending (e.g. the review's write failed after registering it).
            await UnregisterSettleReminder();
        }
    }

    internal static int PointsFor(int? score) => score switch
    {
        null => -200,
        1 => -10,
        2 => 0,
        3 => 10,
        4 => 20,
        5 => 42,
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "A score is 1 to 5 or absent."),
    };

    /// <summary>Awards the points of every pending review (each award idempotent by key), then clears the marks and the reminder. Never throws.</summary>
    private async Task<bool> SettleAsync()
    {
        var pending = state.State.Reviews.FindAll(r => r.PointsPending);
        if (pending.Count == 0 || state.State.Definition is not { } definition)
        {
            return true;
        }

        try
        {
            foreach (var review in pending)
            {
                await Award(definition, review);
            }

            pending.ForEach(review => review.PointsPending = false);
            await SaveAsync();
            await UnregisterSettleReminder();
            return true;
        }
        catch (Exception ex)
        {
            // The review itself is durable; its marks stay (in storage at least) and the reminder retries.
            LogSettleFailed(logger, ex, MatchId);
            return false;
        }
    }

    private async Task UnregisterSettleReminder()
    {
        if (await this.GetReminder(SettleReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private Task Award(MatchDefinition definition, GivenReview review)
    {
        var targets = review.Lines
            .Select(line => (line.UserId, Points: PointsFor(line.Score)))
            .Where(award => award.Points != 0)
            .Select(award => Activity(award.UserId).AddPoints($"review:{MatchId:D}:{review.ReviewerId:D}:{award.UserId:D}", definition.Category, award.Points));
        var reviewer = Activity(review.ReviewerId).AddPoints($"review:{MatchId:D}:{review.ReviewerId:D}", definition.Category, ReviewerPoints);
        return Task.WhenAll(targets.Append(reviewer));
    }

    private Task Announce(MatchDefinition definition, MatchMember member)
    {
        var record = new MatchRecord(definition.MatchId, definition.Category, definition.Method, definition.RoomId, definition.CreatedAt, definition.Title, definition.Members.Length);
        var alarm = new AlarmDraft(
            AlarmIds.MatchConfirmed(definition.MatchId, member.UserId),
            AlarmType.MatchConfirmed,
            $"Your {definition.Category} match is confirmed: {definition.Title}",
            definition.RoomId,
            null,
            definition.MatchId,
            null);
        return Task.WhenAll(
            Activity(member.UserId).RecordMatch(record, member.Points),
            GrainFactory.GetGrain<IAlarmInboxGrain>(member.UserId).Raise(alarm));
    }

    private IUserActivityGrain Activity(Guid userId) => GrainFactory.GetGrain<IUserActivityGrain>(userId);

    private MatchDefinition Existing() => state.State.Definition ?? throw Errors.NotFound("The match");

    private static bool IsMember(MatchDefinition definition, Guid userId) => definition.Members.Any(m => m.UserId == userId);

    private MatchView View(MatchDefinition definition, Guid viewerId) => new(
        definition.MatchId,
        definition.Category,
        definition.Method,
        definition.RoomId,
        definition.Conditions,
        [.. definition.Members.Select(m => new MatchMemberView(m.UserId, m.Nickname, m.UserId == viewerId))],
        definition.CreatedAt,
        state.State.Reviews.Exists(r => r.ReviewerId == viewerId));

    private void Validate(MatchDefinition definition)
    {
        if (definition.MatchId != MatchId)
        {
            throw Errors.Validation("matchId", $"The definition's match id {definition.MatchId} is not this match's key {MatchId}.");
        }

        if (string.IsNullOrWhiteSpace(definition.Category))
        {
            throw Errors.Validation("category", "A match has a category.");
        }

        if (definition.Title is null)
        {
            throw Errors.Validation("title", "A match has a title.");
        }

        if (definition.Conditions is null)
        {
            throw Errors.Validation("conditions", "A match has conditions (possibly none).");
        }

        if (definition.Members.IsDefault || definition.Members.Length < 2
            || definition.Members.Select(m => m.UserId).Distinct().Count() != definition.Members.Length)
        {
            throw Errors.Validation("members", "A match has at least two members, each listed once.");
        }
    }

    private static void ValidateLines(MatchDefinition definition, Guid reviewerId, ImmutableArray<Review> reviews)
    {
        if (reviews.IsDefaultOrEmpty)
        {
            throw Errors.MatchReviewTargetInvalid("reviews", "Review at least one other member.");
        }

        var seen = new HashSet<Guid>();
        for (var i = 0; i < reviews.Length; i++)
        {
            var line = reviews[i];
            if (line.Score is < 1 or > 5)
            {
                throw Errors.Validation($"reviews[{i}].score", "A score is 1 to 5, or ABSENT.");
            }

            if (line.UserId == reviewerId)
            {
                throw Errors.MatchReviewTargetInvalid("reviews", $"reviews[{i}]: you cannot review yourself.");
            }

            if (!IsMember(definition, line.UserId))
            {
                throw Errors.MatchReviewTargetInvalid("reviews", $"reviews[{i}]: {line.UserId} is not a member of this match.");
            }

            if (!seen.Add(line.UserId))
            {
                throw Errors.MatchReviewTargetInvalid("reviews", $"reviews[{i}]: {line.UserId} is reviewed more than once.");
            }
        }
    }

    private static bool SameDefinition(MatchDefinition stored, MatchDefinition other) =>
        stored.MatchId == other.MatchId
        && stored.Category == other.Category
        && stored.Method == other.Method
        && stored.RoomId == other.RoomId
        && stored.CreatedAt == other.CreatedAt
        && stored.Title == other.Title
        && !other.Members.IsDefault
        && stored.Members.SequenceEqual(other.Members)
        && other.Conditions is not null
        && stored.Conditions.Count == other.Conditions.Count
        && stored.Conditions.All(c => other.Conditions.TryGetValue(c.Key, out var values) && c.Value.SequenceEqual(values));

    private Task SaveAsync() => state.WriteOrRefuseAsync(this);

    [LoggerMessage(Level = LogLevel.Information, Message = "Match {MatchId} created in {Category} with {MemberCount} members")]
    private static partial void LogCreated(ILogger logger, Guid matchId, string category, int memberCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Match {MatchId} reviewed by {ReviewerId} ({LineCount} lines)")]
    private static partial void LogReviewed(ILogger logger, Guid matchId, Guid reviewerId, int lineCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Match {MatchId}: review points are still pending; the reminder retries")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, Guid matchId);
}
