using Microsoft.Extensions.Logging;

namespace Partner.Alarms;

public sealed partial class AlarmInboxGrain(
    [PersistentState("inbox")] IPersistentState<AlarmInboxState> state,
    TimeProvider clock,
    ILogger<AlarmInboxGrain> logger) : Grain, IAlarmInboxGrain
{
    /// <summary>Alarms kept per user; the oldest is dropped beyond this.</summary>
    internal const int Capacity = 500;

    /// <summary>Most alarms one <see cref="List"/> returns.</summary>
    internal const int MaxPageSize = 100;

    /// <summary>Longest alarm text kept; raisers compose texts from user input such as room titles.</summary>
    internal const int MaxTextLength = 200;

    private Guid UserId => this.GetPrimaryKey();

    public async Task<long> Raise(AlarmDraft alarm)
    {
        var inbox = state.State;
        if (inbox.Find(alarm.AlarmId) is { } raised)
        {
            return raised.Seq;
        }

        var added = inbox.Append(Bounded(alarm), clock.GetUtcNow(), Capacity);
        await SaveAsync();
        LogRaised(logger, UserId, added.Type, added.Seq);
        return added.Seq;
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

        var inbox = state.State;
        var entries = afterSeq is { } after
            ? inbox.Alarms.Where(entry => entry.Seq > after).Take(limit)
            : inbox.Alarms.Skip(inbox.Alarms.Count - limit);
        return Task.FromResult(new AlarmPage([.. entries.Select(inbox.View)], inbox.UnreadCount, inbox.LastSeq));
    }

    public async Task MarkRead(long upToSeq)
    {
        var inbox = state.State;
        // Never past the last seq: alarms raised later must arrive unread.
        var readThrough = Math.Min(upToSeq, inbox.LastSeq);
        if (readThrough <= inbox.ReadThrough)
        {
            return;
        }

        inbox.ReadThrough = readThrough;
        await SaveAsync();
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

    private async Task SaveAsync()
    {
        await state.WriteOrRefuseAsync(this);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alarm inbox {UserId} raised {Type} as seq {Seq}")]
    private static partial void LogRaised(ILogger logger, Guid userId, AlarmType type, long seq);
}
