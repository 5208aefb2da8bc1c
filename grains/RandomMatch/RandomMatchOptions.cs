using System.ComponentModel.DataAnnotations;

namespace Partner.RandomMatch;

/// <summary>Random matching settings (<c>Partner:RandomMatch</c>).</summary>
public sealed class RandomMatchOptions
{
    public const string Section = "Partner:RandomMatch";

    /// <summary>How long a ticket waits at most before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a finished (matched, expired, cancelled) ticket stays visible to its owner, and answers a retried request.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan FinishedTicketRetention { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Journal events per stored segment before a new segment starts (each append rewrites one segment).</summary>
    [Range(8, 4096)]
    public int SegmentEvents { get; set; } = 16;

    /// <summary>Live journal segments above which (and above twice what the waiting tickets fill) the oldest waiting tickets are carried forward so old segments can go.</summary>
    [Range(2, 100_000)]
    public int MaxLiveSegments { get; set; } = 32;

    /// <summary>Effects (match creations, expiry alarms) the queue runs at once; the others wait their turn in journal order.</summary>
    [Range(1, 1024)]
    public int MaxEffectsInFlight { get; set; } = 8;

    /// <summary>Whether waiting tickets carry <c>compatibleWaiting</c> and <c>estimatedWaitSeconds</c>, and their owners are told when those change.</summary>
    public bool WaitInsight { get; set; } = true;

    /// <summary>How far back arrivals weigh in a wait estimate (the time constant of their decay).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan ArrivalWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often owners whose wait figures changed are told (<c>ticketUpdated</c>): at most once per ticket per period.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WaitUpdatePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the oldest pending effect may wait before new tickets wait for effects to catch up (back-pressure under overload).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxEffectLag { get; set; } = TimeSpan.FromSeconds(2);
}
