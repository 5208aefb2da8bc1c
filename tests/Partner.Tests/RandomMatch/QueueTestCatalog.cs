using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

/// <summary>A class fixture: the embedded API with the test catalog's queue categories (group sizes 2, 3 and 4).</summary>
public sealed class QueueApi : IDisposable
{
    public PartnerApiFactory Factory { get; } = new() { Settings = QueueTestCatalog.Settings(40, 2, 3, 4) };

    public void Dispose() => Factory.Dispose();
}

/// <summary>
/// Queue tests must not meet each other's tickets: each takes its own category from a catalog of
/// MEAL-like test categories (plus a dimension that random matching ignores).
/// </summary>
public static class QueueTestCatalog
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PartnerApiFactory, StrongBox> Used = [];

    public static readonly string[] Places = ["SEOCHO", "GAEPO", "OUT_OF_CLUSTER"];
    public static readonly string[] Times = ["BREAKFAST", "LUNCH", "DUNCH", "DINNER", "MIDNIGHT"];
    public static readonly string[] Ways = ["DELIVERY", "EATOUT", "TAKEOUT"];

    /// <summary>Settings declaring <paramref name="count"/> categories per group size in <paramref name="groupSizes"/>, named <c>Q{size}_{n}</c>.</summary>
    public static Dictionary<string, string?> Settings(int count = 40, params int[] groupSizes)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var size in groupSizes.Length == 0 ? [2] : groupSizes)
        {
            for (var n = 0; n < count; n++)
            {
                var prefix = $"Partner:Catalog:Categories:Q{size}_{n}";
                settings[$"{prefix}:RandomGroupSize"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
                AddDimension(settings, prefix, 0, "place", Places, random: true);
                AddDimension(settings, prefix, 1, "timeOfEating", Times, random: true);
                AddDimension(settings, prefix, 2, "wayOfEating", Ways, random: true);
                AddDimension(settings, prefix, 3, "mood", ["CALM", "LOUD"], random: false);
            }
        }

        return settings;
    }

    /// <summary>A category of group size <paramref name="size"/> that no other test of this factory uses.</summary>
    public static string FreshCategory(this PartnerApiFactory factory, int size = 2)
    {
        var n = Interlocked.Increment(ref Used.GetOrCreateValue(factory).Value) - 1;
        Assert.True(n < 40, "More than 40 queue categories used by one factory; declare more in QueueTestCatalog.Settings.");
        return $"Q{size}_{n}";
    }

    public static Task<HttpResponseMessage> PutTicketAsync(this SignedInClient client, string category, object? conditions = null) =>
        client.Http.PutAsJsonAsync($"/api/random-match/{category}/ticket", new { conditions = conditions ?? new { } });

    public static async Task<JsonElement> TicketAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static async Task<JsonElement> QueueAsync(this SignedInClient client, string category) =>
        await client.Http.GetFromJsonAsync<JsonElement>($"/api/random-match/{category}");

    /// <summary>Polls <paramref name="probe"/> until it returns a value, for effects that follow a response (matches, alarms).</summary>
    public static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> probe, string what, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 10) =>
        EventuallyAsync(async () => await condition() ? default(JsonElement) : null, what, timeoutSeconds);

    private sealed class StrongBox
    {
        public int Value;
    }

    private static void AddDimension(Dictionary<string, string?> settings, string prefix, int index, string name, string[] values, bool random)
    {
        settings[$"{prefix}:Dimensions:{index}:Name"] = name;
        settings[$"{prefix}:Dimensions:{index}:MatchedInRandom"] = random ? "true" : "false";
        for (var i = 0; i < values.Length; i++)
        {
            settings[$"{prefix}:Dimensions:{index}:Values:{i}"] = values[i];
        }
    }
}
