namespace Partner.Alarms;

/// <summary>The deterministic <see cref="AlarmDraft.AlarmId"/> of each alarm a command raises, so raising it again is a no-op.</summary>
public static class AlarmIds
{
    public static Guid MatchConfirmed(Guid matchId, Guid userId) => NameBasedGuid.Create($"match-confirmed:{matchId:D}:{userId:D}");

    /// <summary>A room's alarm about its change to <paramref name="version"/> (join, leave) for one recipient.</summary>
    public static Guid RoomChange(Guid roomId, long version, AlarmType type, Guid recipient) =>
        NameBasedGuid.Create($"room:{roomId:D}:{version}:{type}:{recipient:D}");

    /// <summary>The expiry of ticket <paramref name="seq"/> of a category's queue, for its owner.</summary>
    public static Guid TicketExpired(string category, long seq, Guid userId) => NameBasedGuid.Create($"ticket-expired:{category}:{seq}:{userId:D}");

    public static Guid CommentReply(Guid commentId) => NameBasedGuid.Create($"comment-reply:{commentId:D}");
}
