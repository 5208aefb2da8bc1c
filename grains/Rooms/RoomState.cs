using System.Collections.Immutable;
using Partner.Alarms;

namespace Partner.Rooms;

[GenerateSerializer, Alias("partner.room-state")]
public sealed class RoomState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public string Category { get; set; } = "";
    [Id(2)] public string Title { get; set; } = "";
    [Id(3)] public string Content { get; set; } = "";
    [Id(4)] public DateOnly Date { get; set; }
    [Id(5)] public int Capacity { get; set; }
    [Id(6)] public bool Anonymous { get; set; }
    [Id(7)] public ImmutableDictionary<string, ImmutableArray<string>> Conditions { get; set; } = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
    [Id(8)] public List<RoomParticipant> Participants { get; set; } = [];
    [Id(9)] public RoomLifecycle Lifecycle { get; set; }
    [Id(10)] public Guid? MatchId { get; set; }
    [Id(11)] public bool MatchRecorded { get; set; }
    [Id(12)] public long Version { get; set; }
    [Id(13)] public DateTimeOffset CreatedAt { get; set; }
    [Id(14)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(15)] public List<PendingAlarm> Outbox { get; set; } = [];

    /// <summary>
    /// True until someone other than the owner joins or comments, and never true again (leaving or deleting does not
    /// undo it). Rows written before it existed read false: who took part in them is unknown, so they stay locked.
    /// </summary>
    [Id(16)] public bool OnlyOwnerTookPart { get; set; }

    public RoomParticipant Owner => Participants[0];

    public bool IsVisible => Created && Lifecycle != RoomLifecycle.Deleted;

    public bool IsFull => Participants.Count >= Capacity;

    public bool Has(Guid userId) => Participants.Exists(p => p.UserId == userId);

    public bool MayManage(Actor actor) => actor.IsAdmin || Owner.UserId == actor.UserId;

    /// <summary>Turning anonymity off would name the people who took part believing they were anonymous.</summary>
    public bool AnonymityLocked => !OnlyOwnerTookPart;
}

/// <summary>A participant; the owner is always the first.</summary>
[GenerateSerializer, Immutable, Alias("partner.room-participant")]
public sealed record RoomParticipant(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] DateTimeOffset JoinedAt);
