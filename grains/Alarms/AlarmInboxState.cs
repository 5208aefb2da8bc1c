namespace Partner.Alarms;

/// <summary>An inbox's own row: its newest alarms inline, and where its older, full pages are.</summary>
[GenerateSerializer, Alias("partner.alarm-inbox-state")]
public sealed class AlarmInboxState
{
    /// <summary>A floor for the last seq handed out, so no seq is ever reused.</summary>
    [Id(1)] public long LastSeq { get; set; }

    /// <summary>Every alarm with a seq up to this one is read: marking read always covers a prefix of the seqs.</summary>
    [Id(2)] public long ReadThrough { get; set; }

    /// <summary>The oldest full page still stored; older pages held only alarms beyond the capacity.</summary>
    [Id(3)] public long HeadPage { get; set; }

    /// <summary>The newest alarms, oldest first, fewer than a page: written with this row, moved to a page when full.</summary>
    [Id(4)] public List<AlarmEntry> Recent { get; set; } = [];
}

/// <summary>A raised alarm: what the raiser sent, under which seq, and when.</summary>
[GenerateSerializer, Immutable, Alias("partner.alarm-entry")]
public sealed record AlarmEntry(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] AlarmDraft Draft);
