using Microsoft.Extensions.Options;

namespace Partner;

/// <summary>The school's time zone (<c>Partner:TimeZone</c>, an IANA id).</summary>
public sealed class SchoolOptions
{
    public const string Section = "Partner";

    public string TimeZone { get; set; } = "Asia/Seoul";
}

/// <summary>Calendar dates in the school's time zone, from the injected clock (never DateTime.Now).</summary>
public sealed class SchoolCalendar(IOptions<SchoolOptions> options, TimeProvider clock)
{
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    public DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);

    /// <summary>The first instant of <paramref name="date"/> there (after the gap when the day starts inside a clock change).</summary>
    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
