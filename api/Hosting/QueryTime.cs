using System.Globalization;
using Partner.Matches;

namespace Partner.Api.Hosting;

/// <summary>Reads an instant or a calendar date from a query value; what a date means (a day in the school's time zone) is the grains' business.</summary>
public static class QueryTime
{
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
        "yyyy-MM-dd'T'HH:mm'Z'",
    ];

    /// <summary>Dates and instants in queries lie in these years, so that every time-zone conversion stays in range.</summary>
    public static readonly DateOnly Earliest = new(1970, 1, 1);

    public static readonly DateOnly Latest = new(9998, 12, 31);

    /// <summary>A calendar date <c>yyyy-MM-dd</c> between <see cref="Earliest"/> and <see cref="Latest"/>; null when absent.</summary>
    public static DateOnly? ParseDate(string field, string? value) =>
        string.IsNullOrEmpty(value) ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? InRange(field, date)
        : throw Errors.Validation(field, $"{field} is a date yyyy-MM-dd.");

    /// <summary>
    /// An ISO-8601 instant with offset (<c>2026-11-23T12:00:00+09:00</c>) or a date (<c>2026-11-23</c>); null when absent.
    /// A '+' that a query string decoded as a space is read as '+'.
    /// </summary>
    public static TimeBound? Parse(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var text = value.Replace(' ', '+').ToUpperInvariant();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new TimeBound(null, InRange(field, date));
        }

        return DateTimeOffset.TryParseExact(text, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? new TimeBound(InRange(field, instant), null)
            : throw Errors.Validation(field, $"{field} is an ISO-8601 instant with offset (2026-11-23T12:00:00+09:00) or a date (2026-11-23).");
    }

    private static DateOnly InRange(string field, DateOnly date) =>
        date >= Earliest && date <= Latest ? date : throw OutOfRange(field);

    private static DateTimeOffset InRange(string field, DateTimeOffset instant)
    {
        InRange(field, DateOnly.FromDateTime(instant.UtcDateTime));
        return instant;
    }

    private static DomainException OutOfRange(string field) =>
        Errors.Validation(field, $"{field} lies between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}.");
}
