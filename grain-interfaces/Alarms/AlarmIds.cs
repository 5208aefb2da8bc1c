namespace Partner.Alarms;

/// <summary>The deterministic <see cref="AlarmDraft.AlarmId"/> of each alarm a command raises, so raising it again is a no-op.</summary>
public static class AlarmIds
{
    public static Guid MatchConfirmed(Guid matchId, Guid userId) => NameBasedGuid.Create($"match-confirmed:{matchId:D}:{userId:D}");
}
