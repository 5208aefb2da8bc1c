using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Partner.Alarms;
using Partner.Catalog;
using Partner.Matches;

namespace Partner.RandomMatch;

/// <summary>
/// One category's queue: the only matcher of that category. Each command plans its journal events
/// without touching memory, appends them durably in one write, then applies them — so a failed
/// write leaves nothing half-applied. Side effects of the journal (creating a match, raising
/// TICKET_EXPIRED) run afterwards from a timer, are idempotent, and are re-run from the journal
/// after a crash; a journal segment is only compacted away once its effects are done.
/// </summary>
public sealed partial class RandomMatchQueueGrain : Grain, IRandomMatchQueueGrain, IRemindable
{
    /// <summary>Activity points each member of a random match gets.</summary>
    internal const int MemberPoints = 10;

    /// <summary>Wakes the queue (re-activating it after a crash) while tickets wait or effects are pending.</summary>
    internal const string WakeReminder = "random-match-wake";

    /// <summary>The grain storage the journal segments are written to, next to the grain states.</summary>
    internal const string StorageName = "Default";

    /// <summary>The storage kind of the journal's segments (keyed by category and segment number).</summary>
    public const string JournalKind = "partner-rmq-segment";

    private static readonly TimeSpan WakePeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly IPersistentState<RandomQueueState> state;
    private readonly CategoryCatalog catalog;
    private readonly RandomMatchOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger<RandomMatchQueueGrain> logger;

    private readonly Dictionary<Guid, WaitingTicket> waiting = [];
    private readonly SortedSet<(DateTimeOffset ExpiresAt, long Seq)> deadlines = [];
    private readonly Dictionary<long, WaitingTicket> bySeq = [];
    private readonly Dictionary<Guid, FinishedTicket> ended = [];
    private readonly SortedSet<(DateTimeOffset VisibleUntil, long Seq, Guid UserId)> retention = [];
    private readonly Dictionary<long, SegmentUse> segments = [];
    private readonly List<PendingEffect> effects = [];

    private CategoryDefinition? category;
    private RandomMatcher matcher = null!;
    private SegmentedLog<QueueEvent> journal = null!;
    private long head;
    private long nextSeq;
    private bool broken;
    private bool reminderOn;
    private ITimer? expiryTimer;
    private DateTimeOffset? armedFor;
    private IGrainTimer? effectsTimer;
    private bool draining;
    private TimeSpan backoff;

    public RandomMatchQueueGrain(
        [PersistentState("queue")] IPersistentState<RandomQueueState> state,
        CategoryCatalog catalog,
        IOptions<RandomMatchOptions> options,
        [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
        ILogger<RandomMatchQueueGrain> logger)
    {
        this.state = state;
        this.catalog = catalog;
        this.options = options.Value;
        this.clock = clock;
        this.logger = logger;
    }

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(Key, out var definition))
        {
            return;
        }

        category = definition;
        matcher = new RandomMatcher(definition);
        journal = new SegmentedLog<QueueEvent>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), JournalKind, definition.Name, options.SegmentEvents);
        head = state.State.Head;
        nextSeq = state.State.NextSeq;
        var stored = await journal.ReadFromAsync(head);
        foreach (var (number, segment) in stored)
        {
            foreach (var recorded in segment)
            {
                Replay(recorded, number);
            }
        }

        await SweepAsync();
        reminderOn = await this.GetReminder(WakeReminder) is not null;
        LogRecovered(logger, Key, waiting.Count, effects.Count, stored.Count);
        AfterChange();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        expiryTimer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<TicketResult> Enqueue(Actor user, ImmutableDictionary<string, ImmutableArray<string>> conditions, string? requestId = null)
    {
        var definition = EnsureUsable();
        var chosen = catalog.Conditions(definition, conditions, randomOnly: true).Where(c => !c.Value.IsEmpty).ToImmutableDictionary();
        var now = clock.GetUtcNow();
        if (requestId is not null && Answered(user.UserId, requestId, now) is { } answered)
        {
            return new TicketResult(false, answered);
        }

        if (waiting.TryGetValue(user.UserId, out var current) && current.ExpiresAt > now)
        {
            return RandomMatcher.SameConditions(current, matcher.Masks(chosen))
                ? new TicketResult(false, View(current, TicketStatus.Waiting, null))
                : throw Errors.RandomMatchAlreadyWaiting();
        }

        var due = Due(now);
        var ticket = matcher.Ticket(nextSeq, user.UserId, user.Nickname, chosen, now, now + options.TicketLifetime, requestId);
        var group = matcher.FindGroup(ticket, due.Count == 0 ? null : t => t.ExpiresAt > now);
        var expired = due.Count == 0 ? null : Expired(due, now);
        var matched = group is null ? null : Matched(group, now);
        var events = new List<QueueEvent>(3);
        if (expired is not null)
        {
            events.Add(expired);
        }

        events.Add(Enqueued(ticket));
        if (matched is not null)
        {
            events.Add(matched);
        }

        var segment = await AppendAsync(events);
        nextSeq = ticket.Seq + 1;
        if (expired is not null)
        {
            ApplyExpired(expired, segment);
        }

        ticket.Home = segment;
        TicketView view;
        if (matched is null)
        {
            AddWaiting(ticket, toMatcher: true);
            view = View(ticket, TicketStatus.Waiting, null);
        }
        else
        {
            ApplyMatched(matched, segment, ticket);
            view = View(ticket, TicketStatus.Matched, matched.MatchId);
            LogMatched(logger, Key, matched.MatchId, matched.Members.Length);
        }

        AfterChange();
        await MaintainAsync();
        return new TicketResult(true, view);
    }

    public async Task Cancel(Guid userId)
    {
        EnsureUsable();
        var now = clock.GetUtcNow();
        if (!waiting.TryGetValue(userId, out var ticket) || ticket.ExpiresAt <= now)
        {
            throw Errors.NotFound("A waiting ticket");
        }

        var cancelled = new TicketCancelled(ticket.Seq, now);
        await AppendAsync([cancelled]);
        EndWaiting(ticket, TicketStatus.Cancelled, null, now);
        AfterChange();
        await MaintainAsync();
    }

    public Task<QueueView> Get(Guid? viewer)
    {
        var definition = EnsureUsable();
        TicketView? ticket = null;
        if (viewer is { } id)
        {
            var now = clock.GetUtcNow();
            ticket = waiting.TryGetValue(id, out var current) ? View(current, current.ExpiresAt > now ? TicketStatus.Waiting : TicketStatus.Expired, null)
                : ended.TryGetValue(id, out var finished) && finished.VisibleUntil > now ? finished.View
                : null;
        }

        return Task.FromResult(new QueueView(definition.Name, waiting.Count, ticket));
    }

    public async Task ExpireDue()
    {
        if (category is null || broken)
        {
            return;
        }

        armedFor = null;
        var now = clock.GetUtcNow();
        var due = Due(now);
        if (due.Count > 0)
        {
            var expired = Expired(due, now);
            try
            {
                var segment = await AppendAsync([expired]);
                ApplyExpired(expired, segment);
                LogExpired(logger, Key, due.Count);
            }
            catch (DomainException)
            {
                // The activation is going; the next one (at the latest the wake reminder's) expires them.
                return;
            }
        }

        AfterChange();
        await MaintainAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WakeReminder || category is null)
        {
            return;
        }

        Prune(clock.GetUtcNow());
        if (waiting.Count == 0 && effects.Count == 0 && await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            reminderOn = false;
        }
    }

    private CategoryDefinition EnsureUsable()
    {
        if (category is null)
        {
            throw Errors.Validation("category", $"Unknown category '{Key}'; expected one of {string.Join(", ", catalog.All.Select(c => c.Name))}.");
        }

        return broken ? throw Errors.Unavailable() : category;
    }

    private async Task<long> AppendAsync(IReadOnlyCollection<QueueEvent> events)
    {
        if (broken)
        {
            throw Errors.Unavailable();
        }

        try
        {
            return await journal.AppendAsync(events);
        }
        catch (Exception ex)
        {
            // The write may or may not have landed: only a fresh activation, replaying storage, knows.
            broken = true;
            LogJournalWriteFailed(logger, ex, Key);
            GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "A journal write failed."));
            throw Errors.Unavailable();
        }
    }

    private List<WaitingTicket> Due(DateTimeOffset now)
    {
        var due = new List<WaitingTicket>();
        foreach (var (expiresAt, seq) in deadlines)
        {
            if (expiresAt > now)
            {
                break;
            }

            due.Add(bySeq[seq]);
        }

        return due;
    }

    private static TicketsExpired Expired(List<WaitingTicket> due, DateTimeOffset now) =>
        new([.. due.Select(t => new GroupMember(t.Seq, t.UserId, t.Nickname))], now);

    private GroupMatched Matched(WaitingTicket[] group, DateTimeOffset now) => new(
        NameBasedGuid.Create($"random-match:{Key}:{group.Max(t => t.Seq)}"),
        [.. group.Select(t => new GroupMember(t.Seq, t.UserId, t.Nickname))],
        matcher.Agreed(group),
        now);

    private void Replay(QueueEvent recorded, long segment)
    {
        switch (recorded)
        {
            case TicketEnqueued enqueued when bySeq.TryGetValue(enqueued.Seq, out var carried):
                Move(carried, segment);
                break;
            case TicketEnqueued enqueued:
                var ticket = matcher.Ticket(enqueued.Seq, enqueued.UserId, enqueued.Nickname, enqueued.Conditions, enqueued.EnqueuedAt, enqueued.ExpiresAt, enqueued.RequestId);
                ticket.Home = segment;
                AddWaiting(ticket, toMatcher: false);
                nextSeq = Math.Max(nextSeq, enqueued.Seq + 1);
                break;
            case GroupMatched matched:
                EndReplayed(matched.Members, TicketStatus.Matched, matched.MatchId, matched.At);
                AddEffect(matched, segment);
                break;
            case TicketCancelled cancelled:
                EndReplayed([new GroupMember(cancelled.Seq, Guid.Empty, string.Empty)], TicketStatus.Cancelled, null, cancelled.At);
                break;
            case TicketsExpired expired:
                EndReplayed(expired.Tickets, TicketStatus.Expired, null, expired.At);
                AddEffect(expired, segment);
                break;
            case TicketFinished finished when ended.TryGetValue(finished.UserId, out var known) && known.Seq == finished.Seq:
                MoveFinished(known, segment);
                break;
            case TicketFinished finished when ended.TryGetValue(finished.UserId, out var known) && known.Seq > finished.Seq:
            case TicketFinished superseded when waiting.TryGetValue(superseded.UserId, out var newer) && newer.Seq > superseded.Seq:
                break;
            case TicketFinished finished:
                Remember(new FinishedTicket(
                    finished.UserId,
                    finished.Seq,
                    new TicketView(Key, finished.Conditions, finished.Status, finished.EnqueuedAt, finished.ExpiresAt, finished.MatchId),
                    finished.RequestId,
                    finished.EndedAt,
                    finished.EndedAt + options.FinishedTicketRetention) { Home = segment });
                break;
        }
    }

    private void EndReplayed(ImmutableArray<GroupMember> members, TicketStatus status, Guid? matchId, DateTimeOffset at)
    {
        foreach (var member in members)
        {
            // A ticket whose enqueue record was compacted away had ended before; nothing to undo.
            if (bySeq.TryGetValue(member.Seq, out var ticket))
            {
                EndWaiting(ticket, status, matchId, at, toMatcher: false);
            }
        }
    }

    /// <summary>Puts the replayed tickets into the matcher oldest first, forming any group a catalog change made possible.</summary>
    private async Task SweepAsync()
    {
        var now = clock.GetUtcNow();
        var groups = new List<GroupMatched>();
        foreach (var ticket in waiting.Values.OrderBy(t => t.Seq).ToArray())
        {
            if (ticket.ExpiresAt > now && matcher.FindGroup(ticket, t => t.ExpiresAt > now) is { } group)
            {
                foreach (var member in group.Where(m => m != ticket))
                {
                    matcher.Remove(member);
                }

                groups.Add(Matched(group, now));
            }
            else
            {
                matcher.Add(ticket);
            }
        }

        if (groups.Count > 0)
        {
            var segment = await journal.AppendAsync(groups);
            groups.ForEach(matched => ApplyMatched(matched, segment, newcomer: null, toMatcher: false));
        }
    }

    private void AddWaiting(WaitingTicket ticket, bool toMatcher)
    {
        if (ended.TryGetValue(ticket.UserId, out var previous))
        {
            Forget(previous);
        }

        waiting[ticket.UserId] = ticket;
        bySeq[ticket.Seq] = ticket;
        deadlines.Add((ticket.ExpiresAt, ticket.Seq));
        Use(ticket.Home).Live++;
        if (toMatcher)
        {
            matcher.Add(ticket);
        }
    }

    private void EndWaiting(WaitingTicket ticket, TicketStatus status, Guid? matchId, DateTimeOffset at, bool toMatcher = true)
    {
        if (waiting.TryGetValue(ticket.UserId, out var current) && current == ticket)
        {
            waiting.Remove(ticket.UserId);
        }

        bySeq.Remove(ticket.Seq);
        deadlines.Remove((ticket.ExpiresAt, ticket.Seq));
        Use(ticket.Home).Live--;
        if (toMatcher)
        {
            matcher.Remove(ticket);
        }

        Finish(ticket, status, matchId, at);
    }

    /// <summary>Keeps a finished ticket visible (and its journal records) for the retention, replacing the user's older one.</summary>
    private void Finish(WaitingTicket ticket, TicketStatus status, Guid? matchId, DateTimeOffset at) =>
        Remember(new FinishedTicket(ticket.UserId, ticket.Seq, View(ticket, status, matchId), ticket.RequestId, at, at + options.FinishedTicketRetention) { Home = ticket.Home });

    private void Remember(FinishedTicket finished)
    {
        if (ended.TryGetValue(finished.UserId, out var previous))
        {
            Forget(previous);
        }

        if (finished.VisibleUntil <= clock.GetUtcNow())
        {
            return;
        }

        ended[finished.UserId] = finished;
        retention.Add((finished.VisibleUntil, finished.Seq, finished.UserId));
        Use(finished.Home).Live++;
    }

    private void Forget(FinishedTicket finished)
    {
        ended.Remove(finished.UserId);
        retention.Remove((finished.VisibleUntil, finished.Seq, finished.UserId));
        Use(finished.Home).Live--;
    }

    /// <summary>Forgets finished tickets whose retention is over, so their journal segments can go.</summary>
    private void Prune(DateTimeOffset now)
    {
        while (retention.Count > 0 && retention.Min.VisibleUntil <= now)
        {
            var (_, seq, userId) = retention.Min;
            if (ended.TryGetValue(userId, out var finished) && finished.Seq == seq)
            {
                Forget(finished);
            }
            else
            {
                retention.Remove(retention.Min);
            }
        }
    }

    /// <summary>The user's current or recently finished ticket when <paramref name="requestId"/> created it.</summary>
    private TicketView? Answered(Guid userId, string requestId, DateTimeOffset now) =>
        waiting.TryGetValue(userId, out var current) && current.RequestId == requestId
            ? View(current, current.ExpiresAt > now ? TicketStatus.Waiting : TicketStatus.Expired, null)
            : ended.TryGetValue(userId, out var finished) && finished.RequestId == requestId && finished.VisibleUntil > now ? finished.View
            : null;

    private void Move(WaitingTicket ticket, long segment)
    {
        Use(ticket.Home).Live--;
        ticket.Home = segment;
        Use(segment).Live++;
    }

    private void MoveFinished(FinishedTicket finished, long segment)
    {
        Use(finished.Home).Live--;
        finished.Home = segment;
        Use(segment).Live++;
    }

    private static TicketEnqueued Enqueued(WaitingTicket t) => new(t.Seq, t.UserId, t.Nickname, t.Conditions, t.EnqueuedAt, t.ExpiresAt, t.RequestId);

    private static TicketFinished Snapshot(FinishedTicket f) =>
        new(f.Seq, f.UserId, f.View.Conditions, f.View.EnqueuedAt, f.View.ExpiresAt, f.View.Status, f.View.MatchId, f.EndedAt, f.RequestId);

    private void ApplyMatched(GroupMatched matched, long segment, WaitingTicket? newcomer, bool toMatcher = true)
    {
        foreach (var member in matched.Members)
        {
            if (bySeq.TryGetValue(member.Seq, out var ticket))
            {
                EndWaiting(ticket, TicketStatus.Matched, matched.MatchId, matched.At, toMatcher);
            }
        }

        if (newcomer is not null)
        {
            newcomer.Home = segment;
            Finish(newcomer, TicketStatus.Matched, matched.MatchId, matched.At);
        }

        AddEffect(matched, segment);
    }

    private void ApplyExpired(TicketsExpired expired, long segment)
    {
        foreach (var member in expired.Tickets)
        {
            if (bySeq.TryGetValue(member.Seq, out var ticket))
            {
                EndWaiting(ticket, TicketStatus.Expired, null, expired.At);
            }
        }

        AddEffect(expired, segment);
    }

    private void AddEffect(QueueEvent effect, long segment)
    {
        effects.Add(new PendingEffect(effect, segment));
        Use(segment).Unsettled++;
    }

    private SegmentUse Use(long segment)
    {
        if (!segments.TryGetValue(segment, out var use))
        {
            segments[segment] = use = new SegmentUse();
        }

        return use;
    }

    private TicketView View(WaitingTicket ticket, TicketStatus status, Guid? matchId) =>
        new(Key, ticket.Conditions, status, ticket.EnqueuedAt, ticket.ExpiresAt, matchId);

    /// <summary>Re-arms the expiry timer, starts pending effects and keeps the wake reminder while there is work.</summary>
    private void AfterChange()
    {
        ArmExpiry();
        if (effects.Count > 0 && !draining && effectsTimer is null)
        {
            // Interleaving: effects call other grains for milliseconds and must not hold up tickets; they only touch effect bookkeeping.
            effectsTimer = this.RegisterGrainTimer(DrainEffectsAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        }
    }

    private void ArmExpiry()
    {
        if (deadlines.Count == 0)
        {
            expiryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            armedFor = null;
            return;
        }

        var next = deadlines.Min.ExpiresAt;
        if (armedFor == next)
        {
            return;
        }

        armedFor = next;
        var dueIn = next - clock.GetUtcNow();
        expiryTimer ??= clock.CreateTimer(
            static self => ((IRandomMatchQueueGrain)self!).ExpireDue().Ignore(), this.AsReference<IRandomMatchQueueGrain>(), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        expiryTimer.Change(dueIn < TimeSpan.Zero ? TimeSpan.Zero : dueIn, Timeout.InfiniteTimeSpan);
    }

    /// <summary>After a change: keeps the wake reminder while there is work, and compacts the journal. A failure here never fails the (durable) change.</summary>
    private async Task MaintainAsync()
    {
        try
        {
            if (!reminderOn && (waiting.Count > 0 || effects.Count > 0))
            {
                await this.RegisterOrUpdateReminder(WakeReminder, WakePeriod, WakePeriod);
                reminderOn = true;
            }

            await CompactAsync();
        }
        catch (Exception ex)
        {
            LogMaintenanceFailed(logger, ex, Key);
        }
    }

    /// <summary>
    /// Drops journal segments the queue no longer needs: no waiting ticket lives there and their effects are done.
    /// When more segments are live than allowed (and than twice what the waiting tickets fill), the oldest one's
    /// waiting tickets are re-recorded at the tail (same seq, same deadline) first, so one long wait cannot pin the journal.
    /// </summary>
    private async Task CompactAsync()
    {
        var newHead = head;
        Prune(clock.GetUtcNow());
        while (newHead < journal.Tail && segments.GetValueOrDefault(newHead) is null or { Live: 0, Unsettled: 0 })
        {
            newHead++;
        }

        // Carrying copies tickets, so only when at most half the live journal is still needed: each ticket is copied O(1) times on average.
        var needed = ((waiting.Count + ended.Count) / options.SegmentEvents) + 1;
        if (journal.Tail - newHead + 1 > Math.Max(options.MaxLiveSegments, 2 * needed) && segments.GetValueOrDefault(newHead) is null or { Unsettled: 0 })
        {
            var carried = waiting.Values.Where(t => t.Home == newHead).OrderBy(t => t.Seq).ToArray();
            var finished = ended.Values.Where(f => f.Home == newHead).ToArray();
            var segment = await AppendAsync([.. carried.Select(Enqueued), .. finished.Select(Snapshot)]);
            foreach (var ticket in carried)
            {
                Move(ticket, segment);
            }

            foreach (var ticket in finished)
            {
                MoveFinished(ticket, segment);
            }

            newHead++;
        }

        if (newHead == head)
        {
            return;
        }

        state.State.Head = newHead;
        state.State.NextSeq = nextSeq;
        await state.WriteOrRefuseAsync(this);
        var oldHead = head;
        head = newHead;
        for (var number = oldHead; number < newHead; number++)
        {
            segments.Remove(number);
            try
            {
                await journal.ClearAsync(number);
            }
            catch (Exception ex)
            {
                // Below the stored head, a leftover segment is never read again; it only takes space.
                LogSegmentNotDeleted(logger, ex, Key, number);
            }
        }
    }

    private async Task DrainEffectsAsync(CancellationToken cancellationToken)
    {
        effectsTimer?.Dispose();
        effectsTimer = null;
        draining = true;
        try
        {
            while (effects.Count > 0)
            {
                var batch = effects.ToArray();
                var failures = await Task.WhenAll(batch.Select(RunAsync));
                for (var i = 0; i < batch.Length; i++)
                {
                    if (failures[i] is null)
                    {
                        effects.Remove(batch[i]);
                        Use(batch[i].Segment).Unsettled--;
                    }
                }

                if (failures.FirstOrDefault(f => f is not null) is { } failure)
                {
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    LogEffectFailed(logger, failure, Key, backoff);
                    effectsTimer = this.RegisterGrainTimer(DrainEffectsAsync, new GrainTimerCreationOptions(backoff, Timeout.InfiniteTimeSpan) { Interleave = true });
                    return;
                }
            }

            backoff = TimeSpan.Zero;
        }
        finally
        {
            draining = false;
        }
    }

    private async Task<Exception?> RunAsync(PendingEffect effect)
    {
        try
        {
            switch (effect.Event)
            {
                case GroupMatched matched:
                    await GrainFactory.GetGrain<IMatchGrain>(matched.MatchId).Create(Definition(matched));
                    break;
                case TicketsExpired expired:
                    await Task.WhenAll(expired.Tickets.Select(t => GrainFactory.GetGrain<IAlarmInboxGrain>(t.UserId).Raise(new AlarmDraft(
                        AlarmIds.TicketExpired(Key, t.Seq, t.UserId),
                        AlarmType.TicketExpired,
                        $"Your {Key} random-match ticket expired without a match.",
                        null,
                        null,
                        null,
                        null))));
                    break;
            }

            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private MatchDefinition Definition(GroupMatched matched) => new(
        matched.MatchId,
        Key,
        MatchMethod.Random,
        null,
        matched.Agreed,
        [.. matched.Members.Select(m => new MatchMember(m.UserId, m.Nickname, MemberPoints))],
        matched.At,
        // Catalog order, not dictionary order: a re-run after a restart must build the very same definition.
        $"Random {Key} match ({string.Join(", ", category!.Dimensions.Where(d => matched.Agreed.ContainsKey(d.Name)).Select(d => matched.Agreed[d.Name][0]))})");

    private sealed class SegmentUse
    {
        /// <summary>Waiting tickets, and finished ones still visible, whose records live in this segment.</summary>
        public int Live { get; set; }

        public int Unsettled { get; set; }
    }

    private sealed record PendingEffect(QueueEvent Event, long Segment);

    private sealed record FinishedTicket(Guid UserId, long Seq, TicketView View, string? RequestId, DateTimeOffset EndedAt, DateTimeOffset VisibleUntil)
    {
        public long Home { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Category} recovered {Waiting} waiting tickets and {Effects} pending effects from {Segments} journal segments")]
    private static partial void LogRecovered(ILogger logger, string category, int waiting, int effects, int segments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Category} formed match {MatchId} of {Members}")]
    private static partial void LogMatched(ILogger logger, string category, Guid matchId, int members);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Category} expired {Count} tickets")]
    private static partial void LogExpired(ILogger logger, string category, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Category} could not append to its journal; the change is refused and the queue reloads")]
    private static partial void LogJournalWriteFailed(ILogger logger, Exception exception, string category);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category}: reminder or compaction failed; retried on the next change")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception, string category);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category}: compacted journal segment {Segment} could not be deleted")]
    private static partial void LogSegmentNotDeleted(ILogger logger, Exception exception, string category, long segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category}: a match or expiry alarm was not delivered; retrying in {Backoff}")]
    private static partial void LogEffectFailed(ILogger logger, Exception exception, string category, TimeSpan backoff);
}
