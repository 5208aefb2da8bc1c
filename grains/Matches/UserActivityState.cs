namespace Partner.Matches;

[GenerateSerializer, Alias("partner.user-activity-state")]
public sealed class UserActivityState
{
    /// <summary>Newest first.</summary>
    [Id(0)] public List<MatchRecord> Matches { get; set; } = [];

    [Id(1)] public List<PointEntry> Points { get; set; } = [];
}

/// <summary>Points earned once; <see cref="Key"/> is the name-based GUID of the award's key (16 bytes instead of ~120 characters).</summary>
[GenerateSerializer, Immutable, Alias("partner.point-entry")]
public sealed record PointEntry(
    [property: Id(0)] Guid Key,
    [property: Id(1)] string Category,
    [property: Id(2)] int Points,
    [property: Id(3)] DateTimeOffset At);
