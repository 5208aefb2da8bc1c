namespace Partner.Alarms;

[GenerateSerializer, Alias("partner.alarm-inbox-state")]
public sealed class AlarmInboxState
{
    /// <summary>Retained alarms, oldest first; their seqs are consecutive and end at <see cref="LastSeq"/>.</summary>
    [Id(0)] public List<AlarmEntry> Alarms { get; set; } = [];

    /// <summary>The last seq handed out; it outlives dropped alarms, so no seq is ever reused.</summary>
    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every alarm with a seq up to this one is read: marking read always covers a prefix of the seqs.</summary>
    [Id(2)] public long ReadThrough { get; set; }

    public int UnreadCount => Alarms.Count(entry => entry.Seq > ReadThrough);

    public AlarmEntry? Find(Guid alarmId) => Alarms.Find(entry => entry.Draft.AlarmId == alarmId);

    /// <summary>Adds the alarm under the next seq, drops the oldest beyond <paramref name="capacity"/>, and returns it as clients see it.</summary>
    public Alarm Append(AlarmDraft draft, DateTimeOffset createdAt, int capacity)
    {
        var entry = new AlarmEntry(++LastSeq, createdAt, draft);
        Alarms.Add(entry);
        if (Alarms.Count > capacity)
        {
            Alarms.RemoveRange(0, Alarms.Count - capacity);
        }

        return View(entry);
    }

    public Alarm View(AlarmEntry entry)
    {
        var draft = entry.Draft;
        return new Alarm(
            draft.AlarmId, entry.Seq, draft.Type, draft.Text, draft.RoomId, draft.CommentId, draft.MatchId, draft.ActorNickname,
            entry.CreatedAt, entry.Seq <= ReadThrough);
    }
}

/// <summary>A raised alarm: what the raiser sent, under which seq, and when.</summary>
[GenerateSerializer, Immutable, Alias("partner.alarm-entry")]
public sealed record AlarmEntry(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] AlarmDraft Draft);
