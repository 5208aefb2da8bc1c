using System.Globalization;

namespace Partner.Tests.Operations;

/// <summary>Reads Prometheus text as a scraper does: the sum of a metric's samples whose labels match.</summary>
public static class MetricsScrape
{
    public static double Sum(string text, string name, params (string Label, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            var labelText = "";
            if (rest.StartsWith('{'))
            {
                var end = rest.IndexOf('}', StringComparison.Ordinal);
                labelText = rest[1..end];
                rest = rest[(end + 1)..];
            }
            else if (!rest.StartsWith(' '))
            {
                continue;
            }

            if (labels.All(l => labelText.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                sum += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    /// <summary>Scrapes until the sum is <paramref name="expected"/> (the exporter caches a scrape briefly), failing after 10 s.</summary>
    public static Task<string> EventuallyAsync(HttpClient http, string path, string name, double expected, params (string Label, string Value)[] labels) =>
        EventuallyAsync(http, path, name, value => value == expected, expected.ToString(CultureInfo.InvariantCulture), labels);

    /// <summary>Scrapes until the sum is above <paramref name="floor"/>, failing after 10 s.</summary>
    public static Task<string> EventuallyAboveAsync(HttpClient http, string path, string name, double floor, params (string Label, string Value)[] labels) =>
        EventuallyAsync(http, path, name, value => value > floor, "above " + floor.ToString(CultureInfo.InvariantCulture), labels);

    private static async Task<string> EventuallyAsync(HttpClient http, string path, string name, Func<double, bool> reached, string expected, (string Label, string Value)[] labels)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var text = await http.GetStringAsync(path);
            var value = Sum(text, name, labels);
            if (reached(value) || DateTime.UtcNow > deadline)
            {
                Assert.True(reached(value), $"{name}{{{string.Join(",", labels.Select(l => $"{l.Label}={l.Value}"))}}} is {value}, expected {expected}");
                return text;
            }

            await Task.Delay(100);
        }
    }
}
