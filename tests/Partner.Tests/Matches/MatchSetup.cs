using System.Collections.Immutable;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Matches;
using Partner.Tests.Api;

namespace Partner.Tests.Matches;

/// <summary>Matches are created the way rooms and queues will create them: straight through the match grain.</summary>
public static class MatchSetup
{
    public static readonly ImmutableDictionary<string, ImmutableArray<string>> MealConditions =
        ImmutableDictionary<string, ImmutableArray<string>>.Empty
            .Add("place", ["GAEPO"])
            .Add("timeOfEating", ["LUNCH"]);

    public static IGrainFactory Grains(this PartnerApiFactory factory) => factory.Services.GetRequiredService<IGrainFactory>();

    public static MatchDefinition Definition(
        IEnumerable<SignedInClient> members,
        string category = "MEAL",
        MatchMethod method = MatchMethod.Room,
        DateTimeOffset? createdAt = null,
        int points = 10,
        string title = "Lunch at Gaepo") =>
        Definition([.. members.Select(m => (m.UserId, m.User.GetProperty("nickname").GetString()!))], category, method, createdAt, points, title);

    public static MatchDefinition Definition(
        IReadOnlyList<(Guid UserId, string Nickname)> members,
        string category = "MEAL",
        MatchMethod method = MatchMethod.Room,
        DateTimeOffset? createdAt = null,
        int points = 10,
        string title = "Lunch at Gaepo") =>
        new(
            Guid.NewGuid(),
            category,
            method,
            method == MatchMethod.Room ? Guid.NewGuid() : null,
            MealConditions,
            [.. members.Select(m => new MatchMember(m.UserId, m.Nickname, points))],
            createdAt ?? DateTimeOffset.UtcNow,
            title);

    public static async Task<MatchDefinition> CreateMatchAsync(
        this PartnerApiFactory factory,
        IEnumerable<SignedInClient> members,
        string category = "MEAL",
        MatchMethod method = MatchMethod.Room,
        DateTimeOffset? createdAt = null,
        int points = 10)
    {
        var definition = Definition(members, category, method, createdAt, points);
        await factory.Grains().GetGrain<IMatchGrain>(definition.MatchId).Create(definition);
        return definition;
    }

    public static async Task<long> ScoreAsync(this SignedInClient client, string query = "")
    {
        var body = await client.Http.GetFromJsonAsync<JsonElement>("/api/users/me/activity-score" + query);
        return body.GetProperty("score").GetInt64();
    }

    public static Task<HttpResponseMessage> ReviewAsync(this SignedInClient client, Guid matchId, params object[] reviews) =>
        client.Http.PostAsJsonAsync($"/api/matches/{matchId}/reviews", new { reviews });

    public static object Line(SignedInClient target, object? score) => new { userId = target.UserId, score };

    public static async Task<Guid[]> MatchIdsAsync(this SignedInClient client, string query = "")
    {
        var page = await client.Http.GetFromJsonAsync<JsonElement>("/api/matches" + query);
        return [.. page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("matchId").GetGuid())];
    }
}
