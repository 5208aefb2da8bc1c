using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Partner.Operations;
using Partner.Streams;

namespace Partner.Alarms;

/// <summary>
/// A user's alarms. The newest (fewer than <see cref="PageSize"/>) live in the inbox's own row; full pages move
/// to a <see cref="SegmentedLog{T}"/>. Raising one rewrites that small row, however full the inbox is; a page is
/// dropped once all its alarms are beyond the newest <see cref="Capacity"/>.
/// </summary>
public sealed partial class AlarmInboxGrain(
    [PersistentState("inbox")] IPersistentState<AlarmInboxState> state,
    TimeProvider clock,
    ILogger<AlarmInboxGrain> logger,
    GrainMetrics metrics) : Grain, IAlarmInboxGrain
{
    /// <summary>Alarms kept per user; older ones are no longer listed.</summary>
    internal const int Capacity = 500;

    /// <summary>
    /// Alarms per stored page, and one more than the inbox's own row holds: every raise rewrites that row, so it stays
    /// small (about 100 bytes an alarm); an activation reads up to <see cref="Capacity"/> / PageSize pages, 16 at a time.
    /// Rows of earlier versions with up to 49 alarms are moved to one page of their size by the next raise.
    /// </summary>
    internal const int PageSize = 10;

    /// <summary>Most alarms one <see cref="List"/> returns.</summary>
    internal const int MaxPageSize = 100;

    /// <summary>Longest alarm text kept; raisers compose texts from user input such as room titles.</summary>
    internal const int MaxTextLength = 200;

    /// <summary>The storage kind of the inbox pages (keyed by user and page number).</summary>
    public const string PageKind = "partner-inbox-page";

    private const string StorageName = "Default";

    /// <summary>Alarms in full pages, oldest first with their page: the newest <see cref="Capacity"/>, plus older ones sharing a page with them.</summary>
    private readonly List<(long Page, AlarmEntry Entry)> stored = [];
    private readonly Dictionary<Guid, AlarmEntry> byId = [];
    private SegmentedLog<AlarmEntry> pages = null!;
    private long lastSeq;

    private Guid UserId => this.GetPrimaryKey();

    private long OldestKeptSeq => lastSeq - Capacity + 1;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        pages = new SegmentedLog<AlarmEntry>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), PageKind, UserId.ToString("N"), PageSize);
        lastSeq = state.State.LastSeq;

        // Every raise writes this row, and pages only follow full rows: no row, no pages — nothing more to read.
        if (state.RecordExists)
        {
            foreach (var (page, entries) in await pages.ReadFromAsync(state.State.HeadPage))
            {
                foreach (var entry in entries)
                {
                    Keep(page, entry);
                }
            }
        }

        // A crash between writing a full page and clearing the row leaves its alarms in both: the page wins.
        var paged = stored.Count > 0 ? stored[^1].Entry.Seq : 0;
        state.State.Recent.RemoveAll(entry => entry.Seq <= paged);
        foreach (var entry in state.State.Recent)
        {
            byId[entry.Draft.AlarmId] = entry;
            lastSeq = Math.Max(lastSeq, entry.Seq);
        }
    }

    public async Task<long> Raise(AlarmDraft alarm)
    {
        if (byId.TryGetValue(alarm.AlarmId, out var raised) && raised.Seq >= OldestKeptSeq)
        {
            return raised.Seq;
        }

        var entry = new AlarmEntry(lastSeq + 1, clock.GetUtcNow(), Bounded(alarm));
        var recent = state.State.Recent;
        if (recent.Count + 1 >= PageSize)
        {
            var page = await this.WriteOrRefuseAsync(() => pages.AppendAsync([.. recent, entry]));

            recent.ForEach(moved => stored.Add((page, moved)));
            stored.Add((page, entry));
            recent.Clear();
        }
        else
        {
            recent.Add(entry);
        }

        byId[entry.Draft.AlarmId] = entry;
        lastSeq = entry.Seq;
        state.State.LastSeq = lastSeq;
        await state.WriteOrRefuseAsync(this);
        metrics.AlarmRaised(entry.Draft.Type);
        LogRaised(logger, UserId, entry.Draft.Type, entry.Seq);
        await this.PublishAsync(PartnerStreams.User(UserId), UserPush.Of(UserId, View(entry)), logger);
        await DropOldPagesAsync();
        return entry.Seq;
    }

    public Task<AlarmPage> List(long? afterSeq, int limit)
    {
        if (afterSeq < 0)
        {
            throw Errors.Validation("afterSeq", "afterSeq must be 0 or more.");
        }

        if (limit is < 1 or > MaxPageSize)
        {
            throw Errors.Validation("limit", $"limit must be between 1 and {MaxPageSize}.");
        }

        var kept = Kept().ToList();
        var entries = afterSeq is { } after
            ? kept.Where(entry => entry.Seq > after).Take(limit)
            : kept.Skip(Math.Max(0, kept.Count - limit));
        var readThrough = state.State.ReadThrough;
        return Task.FromResult(new AlarmPage([.. entries.Select(View)], kept.Count(entry => entry.Seq > readThrough), lastSeq));
    }

    public Task<ImmutableArray<Alarm>> Since(long afterSeq) =>
        Task.FromResult<ImmutableArray<Alarm>>([.. Kept().Where(entry => entry.Seq > afterSeq).Select(View)]);

    public async Task MarkRead(long upToSeq)
    {
        // Never past the last seq: alarms raised later must arrive unread.
        var readThrough = Math.Min(upToSeq, lastSeq);
        if (readThrough <= state.State.ReadThrough)
        {
            return;
        }

        state.State.ReadThrough = readThrough;
        state.State.LastSeq = lastSeq;
        await state.WriteOrRefuseAsync(this);
    }

    private IEnumerable<AlarmEntry> Kept() => stored.Select(s => s.Entry).Concat(state.State.Recent).Where(entry => entry.Seq >= OldestKeptSeq);

    private void Keep(long page, AlarmEntry entry)
    {
        stored.Add((page, entry));
        byId[entry.Draft.AlarmId] = entry;
        lastSeq = Math.Max(lastSeq, entry.Seq);
    }

    /// <summary>Drops the oldest pages once every alarm in them is beyond the capacity; a failure only leaves them for later.</summary>
    private async Task DropOldPagesAsync()
    {
        var head = state.State.HeadPage;
        var newHead = head;
        while (newHead < pages.Tail && stored.Where(s => s.Page == newHead).All(s => s.Entry.Seq < OldestKeptSeq))
        {
            newHead++;
        }

        if (newHead == head)
        {
            return;
        }

        try
        {
            state.State.HeadPage = newHead;
            state.State.LastSeq = lastSeq;
            await state.WriteOrRefuseAsync(this);
            foreach (var (page, entry) in stored.Where(s => s.Page < newHead).ToArray())
            {
                byId.Remove(entry.Draft.AlarmId);
            }

            stored.RemoveAll(s => s.Page < newHead);
            for (var page = head; page < newHead; page++)
            {
                await pages.ClearAsync(page);
            }
        }
        catch (Exception ex)
        {
            LogPagesNotDropped(logger, ex, UserId);
        }
    }

    private Alarm View(AlarmEntry entry)
    {
        var draft = entry.Draft;
        return new Alarm(
            draft.AlarmId, entry.Seq, draft.Type, draft.Text, draft.RoomId, draft.CommentId, draft.MatchId, draft.ActorNickname,
            entry.CreatedAt, entry.Seq <= state.State.ReadThrough);
    }

    private static AlarmDraft Bounded(AlarmDraft alarm)
    {
        if (alarm.Text.Length <= MaxTextLength)
        {
            return alarm;
        }

        var cut = char.IsHighSurrogate(alarm.Text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
        return alarm with { Text = alarm.Text[..cut] };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alarm inbox {UserId} raised {Type} as seq {Seq}")]
    private static partial void LogRaised(ILogger logger, Guid userId, AlarmType type, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm inbox {UserId}: old pages could not be dropped; retried on the next alarm")]
    private static partial void LogPagesNotDropped(ILogger logger, Exception exception, Guid userId);
}
