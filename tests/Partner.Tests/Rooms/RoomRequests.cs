using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

/// <summary>Room requests as a client sends them.</summary>
public static class RoomRequests
{
    public static string Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul")).DateTime).ToString("yyyy-MM-dd");

    public static string InDays(int days) => DateOnly.Parse(Today(), System.Globalization.CultureInfo.InvariantCulture).AddDays(days).ToString("yyyy-MM-dd");

    public static object Body(int capacity = 4, bool anonymous = false, string category = "MEAL", string? date = null, string title = "Lunch at Gaepo", object? conditions = null) => new
    {
        category,
        title,
        content = "Let's eat together.",
        date = date ?? Today(),
        capacity,
        anonymous,
        conditions = conditions ?? new Dictionary<string, string[]> { ["place"] = ["GAEPO"], ["wayOfEating"] = ["EATOUT"] },
    };

    public static async Task<JsonElement> CreateRoomAsync(this SignedInClient owner, object? body = null)
    {
        var response = await owner.Http.PostAsJsonAsync("/api/rooms", body ?? Body());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"create failed: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Guid Id(this JsonElement room) => room.GetProperty("roomId").GetGuid();
}
