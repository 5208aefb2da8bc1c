using System.Globalization;
using System.Net;
using Partner.Matches;
using Partner.Tests.Api;
using static Partner.Tests.Matches.MatchSetup;

namespace Partner.Tests.Matches;

public sealed class ActivityScores(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task ANewUserScoresZero()
    {
        var alice = await factory.SignInAsync();

        Assert.Equal(0, await alice.ScoreAsync());
    }

    [Fact]
    public async Task AddsUpMatchPointsAndReviews()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob], points: 42);
        var second = await factory.CreateMatchAsync([alice, bob], points: 10);

        await bob.ReviewAsync(second.MatchId, Line(alice, 5));

        Assert.Equal(42 + 10 + 42, await alice.ScoreAsync());
        Assert.Equal(42 + 10 + 20, await bob.ScoreAsync());
    }

    [Fact]
    public async Task FiltersByCategoryCaseInsensitively()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob], "MEAL", points: 42);
        var study = await factory.CreateMatchAsync([alice, bob], "STUDY", MatchMethod.Random, points: 10);
        await bob.ReviewAsync(study.MatchId, Line(alice, 4));

        Assert.Equal(42, await alice.ScoreAsync("?category=MEAL"));
        Assert.Equal(10 + 20, await alice.ScoreAsync("?category=study"));
        Assert.Equal(0, await alice.ScoreAsync("?category=EXERCISE"));
        Assert.Equal(42 + 10 + 20, await alice.ScoreAsync("?category="));
        Assert.Equal(10 + 20, await bob.ScoreAsync("?category=STUDY"));
    }

    [Fact]
    public async Task CountsPointsEarnedFromInclusiveToExclusive()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await factory.CreateMatchAsync([alice, bob], points: 42);
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        Assert.Equal(42, await alice.ScoreAsync($"?from={Instant(before)}&to={Instant(after)}"));
        Assert.Equal(42, await alice.ScoreAsync($"?from={Instant(before)}"));
        Assert.Equal(42, await alice.ScoreAsync($"?to={Instant(after)}"));
        Assert.Equal(0, await alice.ScoreAsync($"?from={Instant(after)}"));
        Assert.Equal(0, await alice.ScoreAsync($"?to={Instant(before)}"));
        Assert.Equal(0, await alice.ScoreAsync($"?from={Instant(before)}&to={Instant(before)}"));
        Assert.Equal(42, await alice.ScoreAsync($"?from={Instant(before)}&to={Instant(after)}&category=MEAL"));
        Assert.Equal(0, await alice.ScoreAsync($"?from={Instant(before)}&to={Instant(after)}&category=STUDY"));
    }

    [Fact]
    public async Task AcceptsOffsetsAndUtcInstants()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await factory.CreateMatchAsync([alice, bob], points: 42);
        var seoul = before.ToOffset(TimeSpan.FromHours(9));

        Assert.Equal(42, await alice.ScoreAsync($"?from={before.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}"));
        Assert.Equal(42, await alice.ScoreAsync($"?from={before.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)}"));
        Assert.Equal(42, await alice.ScoreAsync($"?from={Uri.EscapeDataString(seoul.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture))}"));
        // An unescaped '+' arrives as a space; it still means +09:00.
        Assert.Equal(42, await alice.ScoreAsync($"?from={seoul.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)}"));
        Assert.Equal(0, await alice.ScoreAsync($"?to={seoul.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)}"));
    }

    [Fact]
    public async Task DatesAreWholeDaysInTheSchoolTimeZone()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob], points: 42);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul")).DateTime);

        Assert.Equal(42, await alice.ScoreAsync($"?from={Day(today)}&to={Day(today.AddDays(1))}"));
        Assert.Equal(0, await alice.ScoreAsync($"?to={Day(today)}"));
        Assert.Equal(0, await alice.ScoreAsync($"?from={Day(today.AddDays(1))}"));
    }

    [Fact]
    public async Task FromAfterToIsRejected()
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.GetAsync("/api/users/me/activity-score?from=2026-03-02&to=2026-03-01");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains("from", problem.Errors.Keys);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("from=2026-3-1", "from")]
    [InlineData("to=2026-03-01T00:00:00", "to")]
    [InlineData("to=1700000000", "to")]
    [InlineData("to=2026-03-01T25:00:00Z", "to")]
    public async Task AMalformedInstantIsRejectedNamingTheField(string query, string field)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.GetAsync("/api/users/me/activity-score?" + query);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains(field, problem.Errors.Keys);
    }

    [Fact]
    public async Task RequiresSignIn()
    {
        var response = await factory.CreateClient().GetAsync("/api/users/me/activity-score");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    internal static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToString("O", CultureInfo.InvariantCulture));

    internal static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Dates are days in <c>Partner:TimeZone</c>: with a zone whose calendar day differs from UTC's right now,
/// a window of "today" there holds points earned now only if the date is read in that zone.
/// </summary>
public sealed class ConfiguredSchoolTimeZone : IAsyncLifetime
{
    private readonly string zone = DateTimeOffset.UtcNow.Hour >= 12 ? "Pacific/Kiritimati" : "Etc/GMT+12";
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { Settings = new Dictionary<string, string?> { ["Partner:TimeZone"] = zone } };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task DatesAreDaysInTheConfiguredZone()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await factory.CreateMatchAsync([alice, bob], points: 42);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);

        Assert.NotEqual(DateOnly.FromDateTime(DateTime.UtcNow), today);
        Assert.Equal(42, await alice.ScoreAsync($"?from={ActivityScores.Day(today)}&to={ActivityScores.Day(today.AddDays(1))}"));
    }

    [Fact]
    public async Task AnUnknownZoneStopsStartUpNamingTheKey()
    {
        await using var broken = new PartnerApiFactory { Settings = new Dictionary<string, string?> { ["Partner:TimeZone"] = "Mars/Olympus_Mons" } };

        var error = await Record.ExceptionAsync(() => Task.Run(() => broken.CreateClient()));

        Assert.NotNull(error);
        Assert.Contains("Partner:TimeZone", error.ToString(), StringComparison.Ordinal);
    }
}
