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
            return new TimeBound(null, date);
        }

        return DateTimeOffset.TryParseExact(text, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? new TimeBound(instant, null)
            : throw Errors.Validation(field, $"{field} is an ISO-8601 instant with offset (2026-11-23T12:00:00+09:00) or a date (2026-11-23).");
    }
}
