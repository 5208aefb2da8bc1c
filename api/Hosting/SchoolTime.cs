using System.Globalization;
using Microsoft.Extensions.Options;

namespace Partner.Api.Hosting;

public sealed class SchoolTimeOptions
{
    public const string Section = "Partner";

    /// <summary>IANA id of the school's time zone (<c>Partner:TimeZone</c>): calendar dates in requests are days there.</summary>
    public string TimeZone { get; set; } = "Asia/Seoul";
}

/// <summary>Reads instants and calendar dates from query values; a date means the start of that day in the school's time zone.</summary>
public sealed class SchoolTime(IOptions<SchoolTimeOptions> options)
{
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
        "yyyy-MM-dd'T'HH:mm'Z'",
    ];

    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>
    /// An ISO-8601 instant with offset (<c>2026-11-23T12:00:00+09:00</c>) or a date (<c>2026-11-23</c>); null when absent.
    /// A '+' that a query string decoded as a space is read as '+'.
    /// </summary>
    public DateTimeOffset? ParseInstant(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var text = value.Replace(' ', '+').ToUpperInvariant();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return StartOfDay(date);
        }

        return DateTimeOffset.TryParseExact(text, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant
            : throw Errors.Validation(field, $"{field} is an ISO-8601 instant with offset (2026-11-23T12:00:00+09:00) or a date (2026-11-23).");
    }

    public DateTimeOffset StartOfDay(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}

public static class SchoolTimeSetup
{
    public static IHostApplicationBuilder AddPartnerSchoolTime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SchoolTimeOptions>().BindConfiguration(SchoolTimeOptions.Section)
            .Validate(options => IsKnownZone(options.TimeZone), "Partner:TimeZone (environment Partner__TimeZone) is not a known time zone id, e.g. Asia/Seoul.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SchoolTime>();
        return builder;
    }

    private static bool IsKnownZone(string? id) => !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
}
