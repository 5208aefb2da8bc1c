using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Matches;
using Partner.Tests.Api;
using static Partner.Tests.Matches.MatchSetup;

namespace Partner.Tests.Matches;

/// <summary>A step that fails after a match's own write is completed by the next attempt, exactly once.</summary>
public sealed class Convergence : IAsyncLifetime
{
    private readonly FaultInjection faults = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(faults) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task ACreateThatFailedMidwayConvergesWhenRetried()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var match = Definition([alice, bob], points: 42);
        var grain = factory.Grains().GetGrain<IMatchGrain>(match.MatchId);
        faults.FailOnce(call => FaultInjection.Calls(call, nameof(IAlarmInboxGrain.Raise), bob.UserId));
        faults.FailOnce(call => FaultInjection.Calls(call, nameof(IUserActivityGrain.RecordMatch), alice.UserId));

        await Assert.ThrowsAnyAsync<Exception>(() => grain.Create(match));
        await grain.Create(match);
        await grain.Create(match);

        foreach (var member in new[] { alice, bob })
        {
            Assert.Equal([match.MatchId], await member.MatchIdsAsync());
            Assert.Equal(42, await member.ScoreAsync());
            var inbox = await factory.Grains().GetGrain<IAlarmInboxGrain>(member.UserId).List(null, 50);
            Assert.Single(inbox.Items, a => a.Type == AlarmType.MatchConfirmed && a.MatchId == match.MatchId);
        }
    }

    [Fact]
    public async Task ReviewPointsThatFailedAreAwardedBeforeTheNextReviewAndOnlyOnce()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var carol = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob, carol], points: 10);
        faults.FailOnce(call => FaultInjection.Calls(call, nameof(IUserActivityGrain.AddPoints), bob.UserId));

        var review = await alice.ReviewAsync(match.MatchId, Line(bob, 5), Line(carol, 4));

        Assert.Equal(HttpStatusCode.Created, review.StatusCode);
        Assert.True((await alice.Http.GetFromJsonAsync<JsonElement>($"/api/matches/{match.MatchId}")).GetProperty("reviewedByMe").GetBoolean());
        Assert.Equal(10, await bob.ScoreAsync());
        Assert.Single(await RemindersOfAsync(match.MatchId));

        Assert.Equal(HttpStatusCode.Created, (await carol.ReviewAsync(match.MatchId, Line(bob, 3))).StatusCode);

        Assert.Equal(10 + 42 + 10, await bob.ScoreAsync());
        Assert.Equal(10 + 20, await alice.ScoreAsync());
        Assert.Equal(10 + 20 + 20, await carol.ScoreAsync());
        Assert.Equal("match.already-reviewed", (await Problem.ReadAsync(await alice.ReviewAsync(match.MatchId, Line(bob, 5)), HttpStatusCode.Conflict)).Code);
        Assert.Equal(10 + 42 + 10, await bob.ScoreAsync());
        Assert.Empty(await RemindersOfAsync(match.MatchId));
    }

    [Fact]
    public async Task AReviewWhosePointsAreAwardedLeavesNoReminder()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var match = await factory.CreateMatchAsync([alice, bob]);

        Assert.Equal(HttpStatusCode.Created, (await alice.ReviewAsync(match.MatchId, Line(bob, 5))).StatusCode);

        Assert.Empty(await RemindersOfAsync(match.MatchId));
    }

    private async Task<IReadOnlyList<ReminderEntry>> RemindersOfAsync(Guid matchId)
    {
        var table = factory.Services.GetRequiredService<IReminderTable>();
        var rows = await table.ReadRows(factory.Grains().GetGrain<IMatchGrain>(matchId).GetGrainId());
        return [.. rows.Reminders];
    }
}
