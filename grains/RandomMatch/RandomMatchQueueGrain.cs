using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Partner.Streams;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Partner.Alarms;
using Partner.Catalog;
using Partner.Matches;
using Partner.Operations;

namespace Partner.RandomMatch;

/// <summary>
/// One category's queue: the only matcher of that category. Each command plans its journal events,
/// appends them durably in one write (<see cref="QueueJournal"/>), and only then lets anyone see them —
/// a failed write drops the activation before another call could. Side effects of the journal (creating
/// a match, raising TICKET_EXPIRED) run afterwards (<see cref="QueueEffects"/>), are idempotent, and are
/// re-run from the journal after a crash; a journal segment is only compacted away once its effects are done.
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

    /// <summary>As the other resume reminders: effects a crash cut short resume within about this long after the silo is declared dead.</summary>
    private static readonly TimeSpan WakePeriod = ResumeReminders.Period;

    private readonly IPersistentState<RandomQueueState> state;
    private readonly CategoryCatalog catalog;
    private readonly RandomMatchOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger<RandomMatchQueueGrain> logger;
    private readonly GrainMetrics metrics;

    private CategoryDefinition? category;
    private RandomMatcher matcher = null!;
    private TicketBook book = null!;
    private TicketWaits? waits;
    private QueueJournal journal = null!;
    private QueueEffects effects = null!;
    private long nextSeq;
    private bool broken;
    private bool reminderOn;
    private ITimer? expiryTimer;
    private DateTimeOffset? armedFor;

    public RandomMatchQueueGrain(
        [PersistentState("queue")] IPersistentState<RandomQueueState> state,
        CategoryCatalog catalog,
        IOptions<RandomMatchOptions> options,
        [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
        ILogger<RandomMatchQueueGrain> logger,
        GrainMetrics metrics)
    {
        this.state = state;
        this.metrics = metrics;
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
        var log = new SegmentedLog<QueueEvent>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), JournalKind, definition.Name, options.SegmentEvents);
        journal = new QueueJournal(log, options.SegmentEvents, options.MaxLiveSegments, logger, Key);
        book = new TicketBook(definition.Name, matcher, options.FinishedTicketRetention, clock, journal);
        waits = options.WaitInsight ? new TicketWaits(matcher, options.ArrivalWindow, options.WaitUpdatePeriod, TimeProvider.System) : null;
        effects = new QueueEffects(
            options.MaxEffectsInFlight,
            options.MaxEffectLag,
            RunAsync,
            journal.EffectDone,
            (delay, run) => this.RegisterGrainTimer(_ => run(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true }),
            TimeProvider.System,
            logger,
            Key);
        (var segments, nextSeq) = await journal.ReplayAsync(state.State.Head, state.State.NextSeq, book, effects, waits);
        await SweepAsync();
        reminderOn = await this.GetReminder(WakeReminder) is not null;
        LogRecovered(logger, Key, book.WaitingCount, effects.Outstanding, segments);
        AfterChange();
        if (waits is not null)
        {
            this.RegisterGrainTimer(TellChangedWaitsAsync, new GrainTimerCreationOptions(options.WaitUpdatePeriod, options.WaitUpdatePeriod));
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Waiting(Key, null);
        expiryTimer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<EnqueueBatchResult> EnqueueBatch(ImmutableArray<EnqueueRequest> requests)
    {
        EnsureUsable();
        var now = clock.GetUtcNow();
        var segment = journal.NextSegment;
        var events = new List<QueueEvent>();
        var pending = new List<QueueEvent>();

        // Memory runs ahead of storage only inside this turn: if the write below fails, the activation is
        // refused ("broken") and dropped before anyone can see it; effects start only once it is durable.
        var due = book.Due(now);
        if (due.Count > 0)
        {
            var expired = new TicketsExpired(TicketBook.Members(due), now);
            book.End(expired);
            events.Add(expired);
            pending.Add(expired);
        }

        var outcomes = new EnqueueOutcome[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            try
            {
                outcomes[i] = new EnqueueOutcome(Plan(requests[i], now, segment, events, pending), null);
            }
            catch (DomainException error)
            {
                outcomes[i] = new EnqueueOutcome(null, error);
            }
        }

        if (events.Count == 0)
        {
            return new EnqueueBatchResult([.. outcomes], effects.Outstanding > 0);
        }

        await AppendAsync(events);
        metrics.TicketEvents(Key, events, member => book.FinishedView(member.UserId, member.Seq)?.EnqueuedAt);
        foreach (var effect in pending)
        {
            AddEffect(effect, segment);
            if (effect is GroupMatched matched)
            {
                LogMatched(logger, Key, matched.MatchId, matched.Members.Length);
            }
        }

        AfterChange();
        await MaintainAsync();
        return new EnqueueBatchResult([.. outcomes], effects.Outstanding > 0);
    }

    /// <summary>One request of a batch: its rules, then its events, applied to memory (the batch's write follows).</summary>
    private TicketResult Plan(EnqueueRequest request, DateTimeOffset now, long segment, List<QueueEvent> events, List<QueueEvent> pending)
    {
        var (user, conditions, requestId) = request;
        var chosen = catalog.Conditions(category!, conditions, randomOnly: true).Where(c => !c.Value.IsEmpty).ToImmutableDictionary();
        // The ticket a key created holds that request's conditions, normalized: they are what the key was used with.
        if (requestId is not null && book.Answered(user.UserId, requestId, now) is { } answered)
        {
            return matcher.SameConditions(answered.Conditions, chosen) ? new TicketResult(false, WithWait(answered, user.UserId, now)) : throw Errors.IdempotencyKeyReused();
        }

        if (book.TryGetWaiting(user.UserId, out var current))
        {
            return RandomMatcher.SameConditions(current, matcher.Masks(chosen))
                ? new TicketResult(false, WithWait(book.View(current, TicketStatus.Waiting, null), user.UserId, now))
                : throw Errors.RandomMatchAlreadyWaiting();
        }

        var ticket = matcher.Ticket(nextSeq++, user.UserId, user.Nickname, chosen, now, now + options.TicketLifetime, requestId);
        ticket.Home = segment;
        events.Add(TicketBook.Enqueued(ticket));
        waits?.Arrived(ticket);
        if (matcher.FindGroup(ticket) is not { } group)
        {
            book.AddWaiting(ticket, toMatcher: true);
            return new TicketResult(true, WithWait(book.View(ticket, TicketStatus.Waiting, null), user.UserId, now));
        }

        var matched = Matched(group, now);
        book.End(matched);
        book.Finish(ticket, TicketStatus.Matched, matched.MatchId, now);
        events.Add(matched);
        pending.Add(matched);
        return new TicketResult(true, book.View(ticket, TicketStatus.Matched, matched.MatchId));
    }

    public async Task Cancel(Guid userId)
    {
        EnsureUsable();
        var now = clock.GetUtcNow();
        if (!book.TryGetWaiting(userId, out var ticket) || ticket.ExpiresAt <= now)
        {
            throw Errors.NotFound("A waiting ticket");
        }

        TicketCancelled cancelled = new(ticket.Seq, now);
        await AppendAsync([cancelled]);
        metrics.TicketEvents(Key, [cancelled]);
        book.EndWaiting(ticket, TicketStatus.Cancelled, null, now);
        AfterChange();
        // The user's other devices learn it was cancelled.
        await PushAsync([new TicketChange(userId, book.View(ticket, TicketStatus.Cancelled, null))]);
        await MaintainAsync();
    }

    public Task<QueueView> Get(Guid? viewer)
    {
        var definition = EnsureUsable();
        var now = clock.GetUtcNow();
        var ticket = viewer is { } id ? WithWait(book.ViewOf(id, now), id, now) : null;
        return Task.FromResult(new QueueView(definition.Name, book.WaitingCount, ticket));
    }

    /// <summary>A waiting ticket's view with its wait figures (when wait insight is on).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(view))]
    private TicketView? WithWait(TicketView? view, Guid userId, DateTimeOffset now) =>
        view is { Status: TicketStatus.Waiting } && waits is not null && book.TryGetWaiting(userId, out var ticket) ? waits.Describe(view, ticket, now) : view;

    /// <summary>Tells each owner whose wait figures changed (at most once per <see cref="RandomMatchOptions.WaitUpdatePeriod"/>).</summary>
    private async Task TellChangedWaitsAsync(CancellationToken cancellationToken)
    {
        if (broken || waits is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var changed = waits.Changed(book.Waiting, now);
        await PushAsync([.. changed.Select(c => new TicketChange(
            c.Ticket.UserId,
            book.View(c.Ticket, TicketStatus.Waiting, null) with { CompatibleWaiting = c.Compatible, EstimatedWaitSeconds = c.Seconds }))]);
    }

    public async Task ExpireDue()
    {
        if (category is null || broken)
        {
            return;
        }

        armedFor = null;
        var now = clock.GetUtcNow();
        var due = book.Due(now);
        if (due.Count > 0)
        {
            var expired = new TicketsExpired(TicketBook.Members(due), now);
            try
            {
                var segment = await AppendAsync([expired]);
                metrics.TicketEvents(Key, [expired]);
                book.End(expired);
                AddEffect(expired, segment);
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

        book.Prune(clock.GetUtcNow());
        if (book.WaitingCount == 0 && effects.Outstanding == 0 && await this.GetReminder(WakeReminder) is { } reminder)
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

        // Calls already queued behind this one must not see memory that storage may not have.
        return await this.WriteOrRefuseAsync(() => journal.AppendAsync(events), failed: ex =>
        {
            broken = true;
            LogJournalWriteFailed(logger, ex, Key);
        });
    }

    private GroupMatched Matched(WaitingTicket[] group, DateTimeOffset now) =>
        new(NameBasedGuid.Create($"random-match:{Key}:{group.Max(t => t.Seq)}"), TicketBook.Members(group), matcher.Agreed(group), now);

    /// <summary>Puts the replayed tickets into the matcher oldest first, forming any group a catalog change made possible.</summary>
    private async Task SweepAsync()
    {
        var now = clock.GetUtcNow();
        var groups = new List<GroupMatched>();
        foreach (var ticket in book.Waiting.OrderBy(t => t.Seq).ToArray())
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
            var segment = await journal.AppendAsync(groups, marked: false);
            foreach (var matched in groups)
            {
                book.End(matched, fromMatcher: false);
                AddEffect(matched, segment);
            }
        }
    }

    private void AddEffect(QueueEvent effect, long segment)
    {
        effects.Add(effect, segment);
        journal.EffectPending(segment);
    }

    /// <summary>Re-arms the expiry timer and starts pending effects.</summary>
    private void AfterChange()
    {
        ArmExpiry();
        effects.Start();
        metrics.Waiting(Key, book.WaitingCount);
    }

    private void ArmExpiry()
    {
        if (book.NextDeadline is not { } next)
        {
            expiryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            armedFor = null;
            return;
        }

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
            if (!reminderOn && (book.WaitingCount > 0 || effects.Outstanding > 0))
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
    /// Drops journal segments the queue no longer needs (<see cref="QueueJournal.PlanCompaction"/>), first carrying the
    /// oldest segment's live tickets to the tail (same seq, same deadline) when it says so.
    /// </summary>
    private async Task CompactAsync()
    {
        book.Prune(clock.GetUtcNow());
        var (newHead, carry) = journal.PlanCompaction(book.LiveCount);
        if (carry is { } oldest)
        {
            var (waiting, finished) = book.LivingIn(oldest);
            var segment = await AppendAsync([.. waiting.Select(TicketBook.Enqueued), .. finished.Select(TicketBook.Snapshot)]);
            foreach (var ticket in waiting.Concat<IJournalResident>(finished))
            {
                book.MoveTo(ticket, segment);
            }

            newHead = oldest + 1;
        }

        if (newHead == journal.Head)
        {
            return;
        }

        state.State.Head = newHead;
        state.State.NextSeq = nextSeq;
        await state.WriteOrRefuseAsync(this);
        await journal.DropBelowAsync(newHead);
    }

    /// <summary>Back-pressure: see <see cref="QueueEffects.CaughtUpAsync"/>. Runs beside the queue's turns.</summary>
    public Task EffectsCaughtUp() => category is null || broken ? Task.CompletedTask : effects.CaughtUpAsync();

    /// <summary>One effect; a throw retries it later.</summary>
    private async Task RunAsync(QueueEvent effect)
    {
        switch (effect)
        {
            case GroupMatched matched:
                var matchedTickets = Views(matched.Members);
                await GrainFactory.GetGrain<IMatchGrain>(matched.MatchId).Create(Definition(matched));
                await PushAsync(matchedTickets);
                break;
            case TicketsExpired expired:
                var expiredTickets = Views(expired.Tickets);
                await Task.WhenAll(expired.Tickets.Select(t => GrainFactory.GetGrain<IAlarmInboxGrain>(t.UserId).Raise(new AlarmDraft(
                    AlarmIds.TicketExpired(Key, t.Seq, t.UserId),
                    AlarmType.TicketExpired,
                    $"Your {Key} random-match ticket expired without a match.",
                    null,
                    null,
                    null,
                    null))));
                await PushAsync(expiredTickets);
                break;
        }
    }

    /// <summary>The ended tickets as their owners see them; one no longer kept (superseded, or past its retention) is not pushed.</summary>
    private ImmutableArray<TicketChange> Views(ImmutableArray<GroupMember> members) =>
        [.. members.Select(m => (m.UserId, View: book.FinishedView(m.UserId, m.Seq))).Where(v => v.View is not null).Select(v => new TicketChange(v.UserId, v.View!))];

    /// <summary>
    /// The owners' devices learn of their changed tickets, in one message on the queue's stream (a redone effect pushes
    /// again; the state is the same).
    /// </summary>
    private Task PushAsync(ImmutableArray<TicketChange> tickets) =>
        tickets.IsEmpty ? Task.CompletedTask : this.PublishAsync(PartnerStreams.Queue(Key), new TicketsChanged(tickets), logger);

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
}
