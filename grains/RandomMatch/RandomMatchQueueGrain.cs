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

    private readonly IPersistentState<RandomQueueState> state;
    private readonly CategoryCatalog catalog;
    private readonly RandomMatchOptions options;
    private readonly TimeProvider clock;
    private readonly ILogger<RandomMatchQueueGrain> logger;
    private readonly GrainMetrics metrics;

    /// <summary>Effects not started yet, oldest first; at most <see cref="RandomMatchOptions.MaxEffectsInFlight"/> run at once.</summary>
    private Queue<PendingEffect> effects = new();

    private CategoryDefinition? category;
    private RandomMatcher matcher = null!;
    private TicketBook book = null!;
    private TicketWaits? waits;
    private SegmentedLog<QueueEvent> journal = null!;
    private long nextSeq;
    private long settledBelow;
    private bool effectsDoneSinceMarker;
    private bool broken;
    private bool reminderOn;
    private ITimer? expiryTimer;
    private DateTimeOffset? armedFor;
    private IGrainTimer? effectsTimer;
    /// <summary>Lanes running; each runs one effect at a time, so this is also the number of effects under way.</summary>
    private int lanes;
    private bool effectsPaused;
    private TaskCompletionSource? effectDone;
    private EffectBackPressure backPressure = null!;
    private readonly RetryBackoff backoff = new();

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
        backPressure = new EffectBackPressure(options.MaxEffectLag, Environment.TickCount64);
        matcher = new RandomMatcher(definition);
        book = new TicketBook(definition.Name, matcher, options.FinishedTicketRetention, clock);
        waits = options.WaitInsight ? new TicketWaits(matcher, options.ArrivalWindow) : null;
        journal = new SegmentedLog<QueueEvent>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), JournalKind, definition.Name, options.SegmentEvents);
        nextSeq = state.State.NextSeq;
        var stored = await journal.ReadFromAsync(state.State.Head);
        foreach (var (number, segment) in stored)
        {
            foreach (var recorded in segment)
            {
                Replay(recorded, number);
            }
        }

        await SweepAsync();
        reminderOn = await this.GetReminder(WakeReminder) is not null;
        LogRecovered(logger, Key, book.WaitingCount, EffectsOutstanding, stored.Count);
        AfterChange();
        if (waits is not null)
        {
            this.RegisterGrainTimer(TellChangedWaitsAsync, new GrainTimerCreationOptions(options.WaitUpdatePeriod, options.WaitUpdatePeriod));
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
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
            End(expired);
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
            return new EnqueueBatchResult([.. outcomes], EffectsOutstanding > 0);
        }

        await AppendAsync(events);
        metrics.TicketEvents(Key, events);
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
        return new EnqueueBatchResult([.. outcomes], EffectsOutstanding > 0);
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
        End(matched);
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
        await this.PublishAsync(PartnerStreams.User(userId), UserPush.Of(book.View(ticket, TicketStatus.Cancelled, null)), logger);
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
        await Task.WhenAll(changed.Select(c => this.PublishAsync(
            PartnerStreams.User(c.Ticket.UserId),
            UserPush.Of(book.View(c.Ticket, TicketStatus.Waiting, null) with { CompatibleWaiting = c.Compatible, EstimatedWaitSeconds = c.Seconds }),
            logger)));
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
                End(expired);
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
        if (book.WaitingCount == 0 && EffectsOutstanding == 0 && await this.GetReminder(WakeReminder) is { } reminder)
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

        // Rides along with the command's own write, ahead of its events: a replay then skips the effects
        // recorded before it that were done.
        var below = book.FirstUnsettled(journal.Tail);
        if (below > settledBelow || effectsDoneSinceMarker)
        {
            events = [new EffectsSettled(below), .. events];
            effectsDoneSinceMarker = false;
        }

        // Calls already queued behind this one must not see memory that storage may not have.
        var segment = await this.WriteOrRefuseAsync(() => journal.AppendAsync(events), failed: ex =>
        {
            broken = true;
            LogJournalWriteFailed(logger, ex, Key);
        });
        settledBelow = Math.Max(settledBelow, below);
        return segment;
    }

    private GroupMatched Matched(WaitingTicket[] group, DateTimeOffset now) =>
        new(NameBasedGuid.Create($"random-match:{Key}:{group.Max(t => t.Seq)}"), TicketBook.Members(group), matcher.Agreed(group), now);

    private void Replay(QueueEvent recorded, long segment)
    {
        switch (recorded)
        {
            case TicketEnqueued enqueued when book.BySeq(enqueued.Seq) is { } carried:
                book.MoveTo(carried, segment);
                break;
            case TicketEnqueued enqueued:
                var ticket = matcher.Ticket(enqueued.Seq, enqueued.UserId, enqueued.Nickname, enqueued.Conditions, enqueued.EnqueuedAt, enqueued.ExpiresAt, enqueued.RequestId);
                ticket.Home = segment;
                waits?.Arrived(ticket);
                book.AddWaiting(ticket, toMatcher: false);
                nextSeq = Math.Max(nextSeq, enqueued.Seq + 1);
                break;
            case GroupMatched or TicketsExpired:
                End(recorded, fromMatcher: false);
                AddEffect(recorded, segment);
                break;
            case TicketCancelled:
                End(recorded, fromMatcher: false);
                break;
            case TicketFinished finished:
                book.Replay(finished, segment);
                break;
            case EffectsSettled settled:
                var stillPending = new Queue<PendingEffect>(effects.Count);
                foreach (var effect in effects)
                {
                    if (effect.Segment >= settled.Below)
                    {
                        stillPending.Enqueue(effect);
                    }
                    else
                    {
                        book.EffectDone(effect.Segment);
                    }
                }

                effects = stillPending;

                settledBelow = Math.Max(settledBelow, settled.Below);
                break;
        }
    }

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
            var segment = await journal.AppendAsync(groups);
            foreach (var matched in groups)
            {
                End(matched, fromMatcher: false);
                AddEffect(matched, segment);
            }
        }
    }

    /// <summary>Ends, in memory, the tickets an event ends (matched, expired, cancelled); tickets already gone are skipped.</summary>
    private void End(QueueEvent ending, bool fromMatcher = true)
    {
        var (seqs, status, matchId, at) = ending switch
        {
            GroupMatched matched => (matched.Members.Select(m => m.Seq), TicketStatus.Matched, (Guid?)matched.MatchId, matched.At),
            TicketsExpired expired => (expired.Tickets.Select(t => t.Seq), TicketStatus.Expired, null, expired.At),
            TicketCancelled cancelled => ([cancelled.Seq], TicketStatus.Cancelled, null, cancelled.At),
            _ => throw new ArgumentException($"{ending.GetType().Name} ends no ticket.", nameof(ending)),
        };
        foreach (var seq in seqs)
        {
            // A ticket whose enqueue record was compacted away had ended before; nothing to undo.
            if (book.BySeq(seq) is { } ticket)
            {
                book.EndWaiting(ticket, status, matchId, at, fromMatcher);
            }
        }
    }

    private void AddEffect(QueueEvent effect, long segment)
    {
        effects.Enqueue(new PendingEffect(effect, segment, Environment.TickCount64));
        book.EffectPending(segment);
    }

    /// <summary>Re-arms the expiry timer and starts pending effects.</summary>
    private void AfterChange()
    {
        ArmExpiry();
        if (effects.Count > 0 && lanes < options.MaxEffectsInFlight && effectsTimer is null && !effectsPaused)
        {
            // Interleaving: effects call other grains for milliseconds and must not hold up tickets; they only touch effect bookkeeping.
            effectsTimer = StartLanesAfter(TimeSpan.Zero);
        }
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
            if (!reminderOn && (book.WaitingCount > 0 || EffectsOutstanding > 0))
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
    /// Drops journal segments the queue no longer needs: no live ticket's records are there and their effects are done.
    /// When more segments are live than allowed (and than twice what the live tickets fill), the oldest one's live
    /// tickets are re-recorded at the tail (same seq, same deadline) first, so one long wait cannot pin the journal.
    /// </summary>
    private async Task CompactAsync()
    {
        book.Prune(clock.GetUtcNow());
        var head = state.State.Head;
        var newHead = head;
        while (newHead < journal.Tail && book.IsFree(newHead))
        {
            newHead++;
        }

        // Carrying copies tickets, so only when at most half the live journal is still needed: each ticket is copied O(1) times on average.
        var needed = (book.LiveCount / options.SegmentEvents) + 1;
        if (journal.Tail - newHead + 1 > Math.Max(options.MaxLiveSegments, 2 * needed) && book.IsSettled(newHead))
        {
            var (waiting, finished) = book.LivingIn(newHead);
            var segment = await AppendAsync([.. waiting.Select(TicketBook.Enqueued), .. finished.Select(TicketBook.Snapshot)]);
            foreach (var ticket in waiting.Concat<IJournalResident>(finished))
            {
                book.MoveTo(ticket, segment);
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
        for (var number = head; number < newHead; number++)
        {
            book.Drop(number);
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

    private int EffectsOutstanding => effects.Count + lanes;

    /// <summary>
    /// Back-pressure (see <see cref="EffectBackPressure"/>): waits, each completed effect letting it re-check. Under a
    /// sustained overload enqueues then slow down to the rate effects are done instead of matches appearing ever later.
    /// </summary>
    public async Task EffectsCaughtUp()
    {
        if (category is null || broken)
        {
            return;
        }

        var began = Environment.TickCount64;
        while (EffectsLagging())
        {
            effectDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await effectDone.Task;
        }

        // Short waits are the back-pressure working; one as long as the lag itself means effects nearly stopped.
        var waited = TimeSpan.FromMilliseconds(Environment.TickCount64 - began);
        if (waited > options.MaxEffectLag)
        {
            LogHeldForEffects(logger, Key, waited, EffectsOutstanding, lanes);
        }
    }

    private bool EffectsLagging() =>
        !effectsPaused && backPressure.Holds(effects.TryPeek(out var oldest) ? oldest.QueuedAt : null, EffectsOutstanding, Environment.TickCount64);

    private void ReleaseWaitingEnqueues()
    {
        effectDone?.TrySetResult();
        effectDone = null;
    }

    private IGrainTimer StartLanesAfter(TimeSpan delay) =>
        this.RegisterGrainTimer(StartLanesAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true });

    /// <summary>
    /// Runs the pending effects through a few lanes, each one effect at a time, joined by more lanes as effects arrive:
    /// a burst of matches then never floods the silo (or the database behind it) with thousands of calls that would
    /// delay the queue's own turns.
    /// </summary>
    private Task StartLanesAsync(CancellationToken cancellationToken)
    {
        effectsTimer?.Dispose();
        effectsTimer = null;
        effectsPaused = false;
        var added = Math.Min(options.MaxEffectsInFlight - lanes, effects.Count);
        if (lanes == 0 && added > 0)
        {
            backPressure.Resume(Environment.TickCount64);
        }

        lanes += added;
        return Task.WhenAll(Enumerable.Range(0, added).Select(_ => LaneAsync()));
    }

    private async Task LaneAsync()
    {
        try
        {
            while (!effectsPaused && effects.TryDequeue(out var effect))
            {
                var error = await RunAsync(effect);
                if (error is null)
                {
                    book.EffectDone(effect.Segment);
                    effectsDoneSinceMarker = true;
                    backPressure.Done(Environment.TickCount64);
                    ReleaseWaitingEnqueues();

                    // The wait grows only while nothing gets through: one failing effect does not slow the others down for long.
                    backoff.Reset();
                    continue;
                }

                effects.Enqueue(effect);
                if (!effectsPaused)
                {
                    effectsPaused = true;
                    ReleaseWaitingEnqueues();
                    var delay = backoff.Next();
                    LogEffectFailed(logger, error, Key, delay);
                    effectsTimer?.Dispose();
                    effectsTimer = StartLanesAfter(delay);
                }
            }
        }
        finally
        {
            lanes--;
        }
    }

    private async Task<Exception?> RunAsync(PendingEffect effect)
    {
        try
        {
            switch (effect.Event)
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

            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The ended tickets as their owners see them; one no longer kept (superseded, or past its retention) is not pushed.</summary>
    private List<(Guid UserId, TicketView View)> Views(ImmutableArray<GroupMember> members) =>
        [.. members.Select(m => (m.UserId, View: book.FinishedView(m.UserId, m.Seq))).Where(v => v.View is not null).Select(v => (v.UserId, v.View!))];

    /// <summary>After the effect: each owner's devices learn how the ticket ended (a redone effect pushes again; the state is the same).</summary>
    private Task PushAsync(List<(Guid UserId, TicketView View)> tickets) =>
        Task.WhenAll(tickets.Select(t => this.PublishAsync(PartnerStreams.User(t.UserId), UserPush.Of(t.View), logger)));

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

    /// <param name="QueuedAt">When it was queued (<see cref="Environment.TickCount64"/>): how far effects lag behind.</param>
    private sealed record PendingEffect(QueueEvent Event, long Segment, long QueuedAt);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Category} held tickets for {Waited} until its effects caught up ({Pending} pending, {Lanes} lanes running)")]
    private static partial void LogHeldForEffects(ILogger logger, string category, TimeSpan waited, int pending, int lanes);
}
