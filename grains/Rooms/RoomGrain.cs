using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Partner.Alarms;
using Partner.Catalog;
using Orleans.Serialization;
using Partner.Matches;
using Partner.Operations;
using Partner.Streams;

namespace Partner.Rooms;

public sealed partial class RoomGrain : Grain, IRoomGrain, IRemindable
{
    /// <summary>Activity points for completing a room: the owner, and every other participant.</summary>
    internal const int OwnerPoints = 42;
    internal const int ParticipantPoints = 10;

    internal const int MaxTitleLength = 100;
    internal const int MaxContentLength = 2000;

    internal const string CompletionReminder = "finish-completion";

    private readonly IPersistentState<RoomState> state;
    private readonly CategoryCatalog catalog;
    private readonly SchoolCalendar calendar;
    private readonly TimeProvider clock;
    private readonly ILogger<RoomGrain> logger;
    private readonly AlarmOutbox outbox;
    private readonly GrainMetrics metrics;
    private readonly DeepCopier<RoomState> copier;
    private RoomState durable = new();

    public RoomGrain(
        [PersistentState("room")] IPersistentState<RoomState> state,
        IGrainFactory grains,
        DeepCopier<RoomState> copier,
        CategoryCatalog catalog,
        SchoolCalendar calendar,
        TimeProvider clock,
        ILogger<RoomGrain> logger,
        GrainMetrics metrics)
    {
        this.metrics = metrics;
        this.state = state;
        this.catalog = catalog;
        this.calendar = calendar;
        this.clock = clock;
        this.logger = logger;
        this.copier = copier;
        outbox = new AlarmOutbox(this, grains, () => this.state.State.Outbox, logger);
    }

    private Guid RoomId => this.GetPrimaryKey();

    private RoomState Room => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        durable = copier.Copy(Room);
        outbox.Saved();
        if (Room.IsVisible)
        {
            // Re-announce to the directory: a crash may have lost its in-memory count.
            Day(Room.Category, Room.Date).Touch(Listing(Room)).Ignore();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (outbox.HasUnsavedDeliveries)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                // Delivered alarms will be delivered again on the next activation; raising is idempotent.
                LogOutboxNotSaved(logger, ex, RoomId);
            }
        }
    }

    public async Task<RoomView> Create(Actor owner, RoomDraft draft)
    {
        if (Room.Created)
        {
            if (!Room.IsVisible || Room.Owner.UserId != owner.UserId)
            {
                throw Errors.NotFound("The room");
            }

            // A retried create (the same Idempotency-Key gives the same id): list the room if the first attempt could not.
            await ListAsync();
            return View(owner.UserId);
        }

        var category = catalog.Get(draft.Category);
        var checkedDraft = Check(draft with { Category = category.Name }, category);
        // Reserved in its directory before the room is written: a creation cut short after the write is listed from there.
        await GrainFactory.GetGrain<IRoomDatesGrain>(category.Name).Add(checkedDraft.Date);
        await Day(category.Name, checkedDraft.Date).Reserve(RoomId);
        var now = clock.GetUtcNow();
        Room.Created = true;
        Room.Category = category.Name;
        Apply(checkedDraft);
        Room.Participants = [new RoomParticipant(owner.UserId, owner.Nickname, now)];
        Room.OnlyOwnerTookPart = true;
        Room.Lifecycle = RoomLifecycle.Open;
        Room.CreatedAt = now;
        await SaveAsync();
        metrics.RoomCreated(Room.Category);
        LogCreated(logger, RoomId, Room.Category, Room.Date);
        try
        {
            await Day(Room.Category, Room.Date).Upsert(Listing(Room));
        }
        catch (Exception ex)
        {
            // The room is durable and answered; its directory lists it when the reservation comes due.
            LogListingDeferred(logger, ex, RoomId);
        }

        return View(owner.UserId);
    }

    /// <summary>Puts the room in its category's directory; both steps are idempotent.</summary>
    private async Task ListAsync()
    {
        await GrainFactory.GetGrain<IRoomDatesGrain>(Room.Category).Add(Room.Date);
        await Day(Room.Category, Room.Date).Upsert(Listing(Room));
    }

    public Task<RoomView> Get(Guid? viewer)
    {
        EnsureVisible();
        return Task.FromResult(View(viewer));
    }

    public Task<RoomChanged?> Changed() => Task.FromResult(Room.Created ? ChangedView() : null);

    public Task<RoomListing?> Listing() => Task.FromResult(Room.IsVisible ? Listing(Room) : null);

    public async Task<RoomView> Edit(Actor actor, RoomDraft draft, long? expectedVersion)
    {
        EnsureVisible();
        EnsureManager(actor);
        EnsureOpen();
        if (expectedVersion is { } expected && expected != Room.Version)
        {
            throw Errors.RoomVersionMismatch();
        }

        if (!string.Equals(draft.Category, Room.Category, StringComparison.OrdinalIgnoreCase))
        {
            throw Errors.Validation("category", "The category of a room cannot change.");
        }

        var checkedDraft = Check(draft with { Category = Room.Category }, catalog.Get(Room.Category));
        if (checkedDraft.Capacity < Room.Participants.Count)
        {
            throw Errors.RoomCapacityBelowParticipants(Room.Participants.Count);
        }

        if (Room.Anonymous && !checkedDraft.Anonymous && Room.AnonymityLocked)
        {
            throw Errors.RoomAnonymityLocked();
        }

        var previousDate = Room.Date;
        Apply(checkedDraft);
        await SaveAsync();

        if (previousDate != Room.Date)
        {
            await GrainFactory.GetGrain<IRoomDatesGrain>(Room.Category).Add(Room.Date);
            await Day(Room.Category, Room.Date).Upsert(Listing(Room));
            await Day(Room.Category, previousDate).Remove(RoomId);
        }
        else
        {
            await Day(Room.Category, Room.Date).Upsert(Listing(Room));
        }

        return View(actor.UserId);
    }

    public async Task Delete(Actor actor)
    {
        EnsureVisible();
        EnsureManager(actor);
        Room.Lifecycle = RoomLifecycle.Deleted;
        await SaveAsync();
        await Day(Room.Category, Room.Date).Remove(RoomId);
        await GrainFactory.GetGrain<IRoomCommentsGrain>(RoomId).Close();
    }

    public async Task<JoinResult> Join(Actor user)
    {
        try
        {
            var result = await JoinOnce(user);
            if (result.Joined)
            {
                metrics.JoinAccepted(Room.Category);
            }

            return result;
        }
        catch (DomainException refused)
        {
            metrics.JoinRefused(refused.Code);
            throw;
        }
    }

    private async Task<JoinResult> JoinOnce(Actor user)
    {
        EnsureVisible();
        if (Room.Has(user.UserId))
        {
            return new JoinResult(false, View(user.UserId));
        }

        EnsureOpen();
        if (Room.IsFull)
        {
            throw Errors.RoomFull();
        }

        Room.Participants.Add(new RoomParticipant(user.UserId, user.Nickname, clock.GetUtcNow()));
        Room.OnlyOwnerTookPart = false;
        Notify(Room.Owner.UserId, AlarmType.RoomJoined, user, $"{Who(user)} joined your room \"{Room.Title}\".");
        await SaveAsync();

        Day(Room.Category, Room.Date).Touch(Listing(Room)).Ignore();
        return new JoinResult(true, View(user.UserId));
    }

    public async Task Leave(Actor user)
    {
        EnsureVisible();
        EnsureOpen();
        if (Room.Owner.UserId == user.UserId)
        {
            throw Errors.RoomOwnerCannotLeave();
        }

        if (Room.Participants.RemoveAll(p => p.UserId == user.UserId) == 0)
        {
            throw Errors.RoomNotParticipant();
        }

        Notify(Room.Owner.UserId, AlarmType.RoomLeft, user, $"{Who(user)} left your room \"{Room.Title}\".");
        await SaveAsync();

        Day(Room.Category, Room.Date).Touch(Listing(Room)).Ignore();
    }

    public async Task<Guid> Complete(Actor actor)
    {
        EnsureVisible();
        EnsureManager(actor);
        if (Room.Lifecycle == RoomLifecycle.Completed && Room.MatchRecorded)
        {
            throw Errors.RoomCompleted();
        }

        if (Room.Lifecycle != RoomLifecycle.Completed)
        {
            if (Room.Participants.Count < 2)
            {
                throw Errors.RoomTooFewParticipants();
            }

            // The room becomes immutable first; the steps below are idempotent and re-run until recorded, by a retry
            // or by the reminder armed before the room changed.
            await this.ArmAsync(CompletionReminder);
            Room.Lifecycle = RoomLifecycle.Completed;
            Room.MatchId = RoomId;
            await SaveAsync();
            metrics.RoomCompleted(Room.Category);
            await Day(Room.Category, Room.Date).Upsert(Listing(Room));
        }

        await RecordMatchAsync();
        return Room.MatchId!.Value;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != CompletionReminder)
        {
            return;
        }

        if (Room.Lifecycle == RoomLifecycle.Completed && !Room.MatchRecorded)
        {
            await RecordMatchAsync();
        }
        else
        {
            await this.DisarmAsync(CompletionReminder);
        }
    }

    /// <summary>The completion's last steps: the match (idempotent by id), then the mark that it exists.</summary>
    private async Task RecordMatchAsync()
    {
        await GrainFactory.GetGrain<IMatchGrain>(Room.MatchId!.Value).Create(MatchDefinition());
        Room.MatchRecorded = true;
        await SaveAsync(countsAsChange: false);
        LogCompleted(logger, RoomId, Room.Participants.Count);
        await this.DisarmAsync(CompletionReminder);
    }

    public async Task RemoveWithdrawn(Guid userId)
    {
        if (!Room.IsVisible || Room.Lifecycle != RoomLifecycle.Open)
        {
            return;
        }

        if (Room.Owner.UserId == userId)
        {
            await Delete(new Actor(userId, Room.Owner.Nickname, IsAdmin: false));
        }
        else if (Room.Participants.Find(p => p.UserId == userId) is { } participant)
        {
            await Leave(new Actor(userId, participant.Nickname, IsAdmin: false));
        }
    }

    public Task<ImmutableArray<CommentView>> Comments(Guid? viewer)
    {
        EnsureVisible();
        return Comments().List(viewer, Room.Anonymous);
    }

    public async Task<CommentView> AddComment(Actor author, string content, Guid? parentId, Guid? commentId = null)
    {
        EnsureVisible();
        // Checked here too (the comments grain checks it as well): a refused comment must not lock the room's anonymity.
        RoomCommentsGrain.CheckContent(content);
        if (Room.OnlyOwnerTookPart && author.UserId != Room.Owner.UserId)
        {
            // Locked before the comment exists: a crash in between may lock a room needlessly, never leave a comment unlocked.
            Room.OnlyOwnerTookPart = false;
            await SaveAsync(countsAsChange: false);
        }

        return await Comments().Add(author, content, parentId, Room.Anonymous, Room.Title, commentId);
    }

    public Task<CommentView> EditComment(Actor actor, Guid commentId, string content)
    {
        EnsureVisible();
        return Comments().Edit(actor, commentId, content, Room.Anonymous);
    }

    public Task DeleteComment(Actor actor, Guid commentId)
    {
        EnsureVisible();
        return Comments().Delete(actor, commentId);
    }

    private IRoomCommentsGrain Comments() => GrainFactory.GetGrain<IRoomCommentsGrain>(RoomId);

    private IRoomDayGrain Day(string category, DateOnly date) => GrainFactory.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey(category, date));

    private RoomDraft Check(RoomDraft draft, CategoryDefinition category)
    {
        TextRules.CheckLine("title", draft.Title, MaxTitleLength);
        TextRules.CheckText("content", draft.Content, MaxContentLength);
        if (draft.Capacity is < 2 or > 20)
        {
            throw Errors.Validation("capacity", "capacity counts the owner and is 2 to 20.");
        }

        var today = calendar.Today();
        if (draft.Date < today)
        {
            throw Errors.RoomDateInPast();
        }

        var latest = today.AddYears(1);
        if (draft.Date > latest)
        {
            throw Errors.Validation("date", $"date is at most one year ahead: {latest.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} at the latest.");
        }

        return draft with { Conditions = catalog.Conditions(category, draft.Conditions) };
    }

    private void Apply(RoomDraft draft)
    {
        Room.Title = draft.Title;
        Room.Content = draft.Content;
        Room.Date = draft.Date;
        Room.Capacity = draft.Capacity;
        Room.Anonymous = draft.Anonymous;
        Room.Conditions = draft.Conditions;
    }

    private void Notify(Guid recipient, AlarmType type, Actor actor, string text) =>
        outbox.Add(recipient, new AlarmDraft(
            AlarmIds.RoomChange(RoomId, Room.Version + 1, type, recipient), type, text, RoomId, null, null, Room.Anonymous ? null : actor.Nickname));

    private string Who(Actor actor) => Room.Anonymous ? "Someone" : actor.Nickname;

    private MatchDefinition MatchDefinition() => new(
        Room.MatchId!.Value,
        Room.Category,
        MatchMethod.Room,
        RoomId,
        Room.Conditions,
        [.. Room.Participants.Select((p, i) => new MatchMember(p.UserId, p.Nickname, i == 0 ? OwnerPoints : ParticipantPoints))],
        Room.UpdatedAt,
        Room.Title);

    private void EnsureVisible()
    {
        if (!Room.IsVisible)
        {
            throw Errors.NotFound("The room");
        }
    }

    private void EnsureManager(Actor actor)
    {
        if (!Room.MayManage(actor))
        {
            throw Errors.RoomNotOwner();
        }
    }

    private void EnsureOpen()
    {
        if (Room.Lifecycle == RoomLifecycle.Completed)
        {
            throw Errors.RoomCompleted();
        }
    }

    private RoomChanged ChangedView() => new(View(viewer: null), [.. Room.Participants.Select(p => p.UserId)]);

    private RoomView View(Guid? viewer) => new(
        Listing(Room),
        Room.Content,
        [.. Room.Participants.Select((p, i) => new ParticipantView(Room.Anonymous ? null : p.Nickname, i == 0, p.UserId == viewer))],
        Room.MatchId,
        Room.UpdatedAt,
        Room.Date == calendar.Today());

    private RoomListing Listing(RoomState room) => new(
        RoomId,
        room.Category,
        room.Title,
        room.Date,
        room.Capacity,
        room.Participants.Count,
        room.Anonymous,
        room.Lifecycle,
        room.Anonymous ? null : new UserRef(room.Owner.UserId, room.Owner.Nickname),
        room.Conditions,
        room.CreatedAt,
        room.Version);

    private async Task SaveAsync(bool countsAsChange = true)
    {
        if (countsAsChange)
        {
            Room.Version++;
            Room.UpdatedAt = clock.GetUtcNow();
        }

        try
        {
            await state.WriteOrRefuseAsync(this);
        }
        catch
        {
            // Nothing half-applied: calls already queued see the last durable state until the activation goes.
            state.State = copier.Copy(durable);
            LogWriteFailed(logger, RoomId);
            throw;
        }

        durable = copier.Copy(Room);
        outbox.Saved();
        if (countsAsChange)
        {
            await this.PublishAsync(PartnerStreams.RoomChanges(Room.Category, RoomId), ChangedView(), logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId} created in {Category} for {Date}")]
    private static partial void LogCreated(ILogger logger, Guid roomId, string category, DateOnly date);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} was created but not listed yet; listing it again shortly")]
    private static partial void LogListingDeferred(ILogger logger, Exception exception, Guid roomId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {RoomId} completed with {Participants} participants")]
    private static partial void LogCompleted(ILogger logger, Guid roomId, int participants);

    [LoggerMessage(Level = LogLevel.Error, Message = "Room {RoomId} could not write its state; the change is refused")]
    private static partial void LogWriteFailed(ILogger logger, Guid roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} could not save its delivered alarms at deactivation")]
    private static partial void LogOutboxNotSaved(ILogger logger, Exception exception, Guid roomId);
}
