using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Partner.Tests.Api;
using static Partner.Tests.Matches.MatchSetup;

namespace Partner.Tests.Matches;

public sealed class MatchReviews(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private const int MatchPoints = 10;

    [Theory]
    [InlineData("1", -10)]
    [InlineData("2", 0)]
    [InlineData("3", 10)]
    [InlineData("4", 20)]
    [InlineData("5", 42)]
    [InlineData("\"ABSENT\"", -200)]
    [InlineData("\"absent\"", -200)]
    public async Task EachScoreGivesItsPointsAndTheReviewerTwenty(string score, int points)
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.Http.PostAsync($"/api/matches/{match}/reviews", Json($$"""{"reviews":[{"userId":"{{bob.UserId}}","score":{{score}}}]}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(MatchPoints + points, await bob.ScoreAsync());
        Assert.Equal(MatchPoints + 20, await alice.ScoreAsync());
    }

    [Fact]
    public async Task TheReviewerEarnsTwentyOnceHoweverManyTheyReview()
    {
        var (alice, bob, carol, match) = await ThreeInAMatchAsync();

        var response = await alice.ReviewAsync(match, Line(bob, 5), Line(carol, "ABSENT"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(MatchPoints + 20, await alice.ScoreAsync());
        Assert.Equal(MatchPoints + 42, await bob.ScoreAsync());
        Assert.Equal(MatchPoints - 200, await carol.ScoreAsync());
    }

    [Fact]
    public async Task AReviewIsCreatedAtTheMatchAndMarksItReviewedForTheReviewerOnly()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.ReviewAsync(match, Line(bob, 4));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/matches/{match}", response.Headers.Location?.OriginalString);
        Assert.Equal(match, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matchId").GetGuid());
        Assert.True((await alice.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match}")).GetProperty("reviewedByMe").GetBoolean());
        Assert.False((await bob.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match}")).GetProperty("reviewedByMe").GetBoolean());
    }

    [Fact]
    public async Task ASecondReviewIsAConflictAndAwardsNothing()
    {
        var (alice, bob, carol, match) = await ThreeInAMatchAsync();
        await alice.ReviewAsync(match, Line(bob, 5));

        var again = await alice.ReviewAsync(match, Line(carol, 5));
        var same = await alice.ReviewAsync(match, Line(bob, 5));

        Assert.Equal("match.already-reviewed", (await Problem.ReadAsync(again, HttpStatusCode.Conflict)).Code);
        Assert.Equal("match.already-reviewed", (await Problem.ReadAsync(same, HttpStatusCode.Conflict)).Code);
        Assert.Equal(MatchPoints + 20, await alice.ScoreAsync());
        Assert.Equal(MatchPoints + 42, await bob.ScoreAsync());
        Assert.Equal(MatchPoints, await carol.ScoreAsync());
    }

    [Fact]
    public async Task EveryMemberReviewsOnce()
    {
        var (alice, bob, carol, match) = await ThreeInAMatchAsync();

        Assert.Equal(HttpStatusCode.Created, (await alice.ReviewAsync(match, Line(bob, 5), Line(carol, 5))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.ReviewAsync(match, Line(alice, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await carol.ReviewAsync(match, Line(alice, 3), Line(bob, "ABSENT"))).StatusCode);

        Assert.Equal(MatchPoints + 20 - 10 + 10, await alice.ScoreAsync());
        Assert.Equal(MatchPoints + 42 + 20 - 200, await bob.ScoreAsync());
        Assert.Equal(MatchPoints + 42 + 20, await carol.ScoreAsync());
    }

    [Fact]
    public async Task ReviewingYourselfIsRejected()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.ReviewAsync(match, Line(bob, 5), Line(alice, 5));

        await AssertTargetInvalidAsync(response);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Fact]
    public async Task ReviewingANonMemberIsRejected()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();
        var mallory = await factory.SignInAsync();

        var response = await alice.ReviewAsync(match, Line(bob, 5), Line(mallory, 5));

        await AssertTargetInvalidAsync(response);
        await AssertNothingHappenedAsync(alice, bob, match);
        Assert.Equal(0, await mallory.ScoreAsync());
    }

    [Fact]
    public async Task ReviewingTheSameMemberTwiceInOneReviewIsRejected()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.ReviewAsync(match, Line(bob, 5), Line(bob, 1));

        await AssertTargetInvalidAsync(response);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Fact]
    public async Task AnEmptyReviewIsRejected()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.ReviewAsync(match);

        await AssertTargetInvalidAsync(response);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("6")]
    [InlineData("-200")]
    [InlineData("2.5")]
    [InlineData("1e3")]
    [InlineData("99999999999")]
    [InlineData("\"5\"")]
    [InlineData("\"GREAT\"")]
    [InlineData("\"\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[3]")]
    public async Task ABadScoreIsRejectedNamingTheField(string score)
    {
        var (alice, bob, carol, match) = await ThreeInAMatchAsync();

        var response = await alice.Http.PostAsync(
            $"/api/matches/{match}/reviews",
            Json($$"""{"reviews":[{"userId":"{{bob.UserId}}","score":5},{"userId":"{{carol.UserId}}","score":{{score}}}]}"""));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains("reviews[1].score", problem.Errors.Keys);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Fact]
    public async Task AMissingScoreIsRejectedNamingTheField()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.Http.PostAsync($"/api/matches/{match}/reviews", Json($$"""{"reviews":[{"userId":"{{bob.UserId}}"}]}"""));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains("reviews[0].score", problem.Errors.Keys);
    }

    [Theory]
    [InlineData("""{}""", "reviews")]
    [InlineData("""{"reviews":null}""", "reviews")]
    [InlineData("""{"reviews":{}}""", "reviews")]
    [InlineData("""{"reviews":[null]}""", "reviews[0]")]
    [InlineData("""{"reviews":[{"score":3}]}""", "reviews[0].userId")]
    [InlineData("""{"reviews":[{"userId":"not-a-guid","score":3}]}""", "reviews[0].userId")]
    public async Task AMalformedReviewIsRejectedNamingTheField(string body, string field)
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();

        var response = await alice.Http.PostAsync($"/api/matches/{match}/reviews", Json(body));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains(field, problem.Errors.Keys);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Fact]
    public async Task ANonMemberCannotReview()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();
        var mallory = await factory.SignInAsync();
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        Assert.Equal("match.not-member", (await Problem.ReadAsync(await mallory.ReviewAsync(match, Line(bob, 1)), HttpStatusCode.Forbidden)).Code);
        Assert.Equal("match.not-member", (await Problem.ReadAsync(await admin.ReviewAsync(match, Line(bob, 1)), HttpStatusCode.Forbidden)).Code);
        await AssertNothingHappenedAsync(alice, bob, match);
    }

    [Fact]
    public async Task ReviewingAnUnknownMatchIsNotFound()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();

        var response = await alice.ReviewAsync(Guid.NewGuid(), Line(bob, 5));

        Assert.Equal("not-found", (await Problem.ReadAsync(response, HttpStatusCode.NotFound)).Code);
    }

    [Fact]
    public async Task AWithdrawnMemberCannotReview()
    {
        var (alice, bob, _, match) = await ThreeInAMatchAsync();
        await alice.Http.DeleteAsync("/api/users/me");

        var response = await alice.ReviewAsync(match, Line(bob, 5));

        Assert.Equal("user.withdrawn", (await Problem.ReadAsync(response, HttpStatusCode.Forbidden)).Code);
        Assert.Equal(MatchPoints, await bob.ScoreAsync());
    }

    [Fact]
    public async Task RequiresSignIn()
    {
        var response = await factory.CreateClient().PostAsJsonAsync($"/api/matches/{Guid.NewGuid()}/reviews", new { reviews = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<(SignedInClient Alice, SignedInClient Bob, SignedInClient Carol, Guid MatchId)> ThreeInAMatchAsync()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob, carol], points: MatchPoints);
        return (alice, bob, carol, match.MatchId);
    }

    private static async Task AssertTargetInvalidAsync(HttpResponseMessage response)
    {
        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("match.review-target-invalid", problem.Code);
        Assert.Contains("reviews", problem.Errors.Keys);
    }

    /// <summary>A rejected review leaves no trace: no points, and the reviewer may still review.</summary>
    private static async Task AssertNothingHappenedAsync(SignedInClient reviewer, SignedInClient target, Guid match)
    {
        Assert.Equal(MatchPoints, await reviewer.ScoreAsync());
        Assert.Equal(MatchPoints, await target.ScoreAsync());
        Assert.False((await reviewer.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match}")).GetProperty("reviewedByMe").GetBoolean());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
