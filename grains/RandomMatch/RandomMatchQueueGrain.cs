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
public sealed partial class RandomMatchQueueGrain(
    [PersistentState("queue")] IPersistentState<RandomQueueState> state,
    CategoryCatalog catalog,
    IOptions<RandomMatchOptions> options,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    ILogger<RandomMatchQueueGrain> logger,
    GrainMetrics metrics) : Grain, IRandomMatchQueueGrain, IRemindable
{
    /// <summary>The grain storage the journal segments are written to, next to the grain states.</summary>
    internal const string StorageName = "Default";

    /// <summary>The storage kind of the journal's segments (keyed by category and segment number).</summary>
    public const string JournalKind = "partner-rmq-segment";

    private CategoryDefinition? category;
    private TicketBook book = null!;
    private TicketWaits? waits;
    private EnqueuePlanner planner = null!;
    private QueueJournal journal = null!;
    private QueueEffects effects = null!;
    private ExpiryTimer? expiry;
    private QueueWakeReminder wake = null!;
    private bool broken;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(Key, out var definition))
        {
            return;
        }

        category = definition;
        var settings = options.Value;
        var matcher = new RandomMatcher(definition);
        var log = new SegmentedLog<QueueEvent>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), JournalKind, definition.Name, settings.SegmentEvents);
        journal = new QueueJournal(log, settings.SegmentEvents, settings.MaxLiveSegments, logger, Key);
        book = new TicketBook(definition.Name, matcher, settings.FinishedTicketRetention, clock, journal);
        waits = settings.WaitInsight ? new TicketWaits(matcher, settings.ArrivalWindow, settings.WaitUpdatePeriod, TimeProvider.System) : null;
        planner = new EnqueuePlanner(catalog, definition, matcher, book, waits, settings.TicketLifetime);
        var runner = new QueueEffectRunner(
            definition,
            book,
            match => GrainFactory.GetGrain<IMatchGrain>(match.MatchId).Create(match),
            (userId, alarm) => GrainFactory.GetGrain<IAlarmInboxGrain>(userId).Raise(alarm),
            PushAsync);
        effects = new QueueEffects(
            settings.MaxEffectsInFlight,
            settings.MaxEffectLag,
            runner.RunAsync,
            journal.EffectDone,
            (delay, run) => this.RegisterGrainTimer(_ => run(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true }),
            TimeProvider.System,
            logger,
            Key);
        var self = this.AsReference<IRandomMatchQueueGrain>();
        expiry = new ExpiryTimer(clock, () => self.ExpireDue().Ignore());
        (var segments, planner.NextSeq) = await journal.ReplayAsync(state.State.Head, state.State.NextSeq, book, effects, waits);
        await journal.SweepAsync(book, effects, clock.GetUtcNow());
        wake = new QueueWakeReminder(this);
        await wake.LoadAsync();
        LogRecovered(logger, Key, book.WaitingCount, effects.Outstanding, segments);
        AfterChange();
        if (waits is not null)
        {
            this.RegisterGrainTimer(TellChangedWaitsAsync, new GrainTimerCreationOptions(settings.WaitUpdatePeriod, settings.WaitUpdatePeriod));
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.Waiting(Key, null);
        expiry?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<EnqueueBatchResult> EnqueueBatch(ImmutableArray<EnqueueRequest> requests)
    {
        EnsureUsable();
        var segment = journal.NextSegment;

        // Memory runs ahead of storage only inside this turn: if the write below fails, the activation is
        // refused ("broken") and dropped before anyone can see it; effects start only once it is durable.
        var plan = planner.Plan(requests, clock.GetUtcNow(), segment);
        if (plan.Events.Count == 0)
        {
            return new EnqueueBatchResult([.. plan.Outcomes], effects.Outstanding > 0);
        }

        await AppendAsync(plan.Events);
        metrics.TicketEvents(Key, plan.Events, member => book.FinishedView(member.UserId, member.Seq)?.EnqueuedAt);
        foreach (var effect in plan.Effects)
        {
            journal.AddEffect(effects, effect, segment);
            if (effect is GroupMatched matched)
            {
                LogMatched(logger, Key, matched.MatchId, matched.Members.Length);
            }
        }

        AfterChange();
        await MaintainAsync();
        return new EnqueueBatchResult([.. plan.Outcomes], effects.Outstanding > 0);
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
        var ticket = viewer is { } id ? planner.ViewOf(id, now) : null;
        return Task.FromResult(new QueueView(definition.Name, book.WaitingCount, ticket));
    }

    /// <summary>Tells each owner whose wait figures changed (at most once per <see cref="RandomMatchOptions.WaitUpdatePeriod"/>).</summary>
    private async Task TellChangedWaitsAsync(CancellationToken cancellationToken)
    {
        if (broken || waits is null)
        {
            return;
        }

        var changed = waits.Changed(book.Waiting, clock.GetUtcNow());
        if (changed.Count > 0)
        {
            await this.PublishAsync(PartnerStreams.Queue(Key), new TicketsChanged([], [.. changed.Select(c => new TicketFigures(c.Ticket.UserId, c.Compatible, c.Seconds))]), logger);
        }
    }

    public async Task ExpireDue()
    {
        if (category is null || broken)
        {
            return;
        }

        expiry?.Fired();
        if (book.Expiring(clock.GetUtcNow()) is { } expired)
        {
            try
            {
                var segment = await AppendAsync([expired]);
                metrics.TicketEvents(Key, [expired]);
                book.End(expired);
                journal.AddEffect(effects, expired, segment);
                LogExpired(logger, Key, expired.Tickets.Length);
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
        if (reminderName != QueueWakeReminder.Name || category is null)
        {
            return;
        }

        book.Prune(clock.GetUtcNow());
        if (book.WaitingCount == 0 && effects.Outstanding == 0)
        {
            await wake.StopAsync();
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

    /// <summary>Re-arms the expiry timer and starts pending effects.</summary>
    private void AfterChange()
    {
        expiry?.Arm(book.NextDeadline);
        effects.Start();
        metrics.Waiting(Key, book.WaitingCount);
    }

    /// <summary>After a change: keeps the wake reminder while there is work, and compacts the journal. A failure here never fails the (durable) change.</summary>
    private async Task MaintainAsync()
    {
        try
        {
            if (book.WaitingCount > 0 || effects.Outstanding > 0)
            {
                await wake.KeepAsync();
            }

            await CompactAsync();
        }
        catch (Exception ex)
        {
            LogMaintenanceFailed(logger, ex, Key);
        }
    }

    /// <summary>Drops journal segments the queue no longer needs (<see cref="QueueJournal.CompactAsync"/>); the queue's row keeps the new head.</summary>
    private Task CompactAsync()
    {
        book.Prune(clock.GetUtcNow());
        return journal.CompactAsync(book, AppendAsync, head =>
        {
            state.State.Head = head;
            state.State.NextSeq = planner.NextSeq;
            return state.WriteOrRefuseAsync(this);
        });
    }

    /// <summary>Back-pressure: see <see cref="QueueEffects.CaughtUpAsync"/>. Runs beside the queue's turns.</summary>
    public Task EffectsCaughtUp() => category is null || broken ? Task.CompletedTask : effects.CaughtUpAsync();

    /// <summary>
    /// The owners' devices learn of their changed tickets, in one message on the queue's stream (a redone effect pushes
    /// again; the state is the same).
    /// </summary>
    private Task PushAsync(ImmutableArray<TicketChange> tickets) =>
        tickets.IsEmpty ? Task.CompletedTask : this.PublishAsync(PartnerStreams.Queue(Key), new TicketsChanged(tickets, []), logger);

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
