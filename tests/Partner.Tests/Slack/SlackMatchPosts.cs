using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Partner.Matches;
using Partner.Slack;
using Partner.Tests.Api;
using Partner.Tests.Matches;
using Partner.Tests.Rooms;

namespace Partner.Tests.Slack;

public sealed class SlackMatchPosts : IAsyncLifetime
{
    private const string LinkBase = "https://partner.example";
    private const string PostMessage = "chat.postMessage";
    private readonly List<PartnerApiFactory> factories = [];
    private FakeSlackServer slack = null!;

    public async Task InitializeAsync() => slack = await FakeSlackServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var factory in factories)
        {
            await factory.DisposeAsync();
        }

        await slack.DisposeAsync();
    }

    [Fact]
    public async Task ACompletedRoomIsPostedToAGroupDmOfItsMembers()
    {
        var factory = Factory();
        var (owner, roomId, members) = await RoomAsync(factory, "owner", "guest", "stranger", null);

        var matchId = await CompleteAsync(owner, roomId);

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the match is posted");
        var lookups = slack.CallsOf("users.lookupByEmail");
        Assert.Equal(
            members.Where(m => m.Email is not null).Select(m => m.Email).Order(),
            lookups.Select(l => l.Args["email"]).Order());
        var open = Assert.Single(slack.CallsOf("conversations.open"));
        Assert.Equal([members[0].SlackId!, members[1].SlackId!], open.Args["users"].Split(','));
        var (channel, text) = Assert.Single(slack.Posts);
        Assert.Equal(open.Args["users"], slack.Channels[channel]);
        Assert.Contains("Lunch at Gaepo", text, StringComparison.Ordinal);
        Assert.Contains("MEAL", text, StringComparison.Ordinal);
        Assert.All(members, m => Assert.Contains(m.Client.User.GetProperty("nickname").GetString()!, text, StringComparison.Ordinal));
        Assert.Contains($"<{LinkBase}/matches/{matchId:D}|", text, StringComparison.Ordinal);
        Assert.All(slack.Requests, r => Assert.Equal("Bearer " + FakeSlackServer.Token, r.Authorization));
        await FakeSlackServer.WaitUntilAsync(() => StoredPostAsync(factory, matchId).Result.Status == SlackPostStatus.Posted, "the post is recorded");
        await ReminderRemovedAsync(factory, matchId);
    }

    [Fact]
    public async Task ARandomMatchIsPostedToo()
    {
        var factory = Factory();
        var alice = await MemberAsync(factory, "alice");
        var bob = await MemberAsync(factory, "bob");

        Assert.Equal(HttpStatusCode.Created, (await alice.Client.Http.PutAsync("/api/random-match/STUDY/ticket", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.Client.Http.PutAsync("/api/random-match/STUDY/ticket", null)).StatusCode);

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the random match is posted");
        Assert.Equal($"{alice.SlackId},{bob.SlackId}".Split(',').Order(), slack.Channels[slack.Posts[0].Channel].Split(',').Order());
        Assert.Contains("STUDY", slack.Posts[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARateLimitedPostIsSentOnceAfterRetryAfter()
    {
        var factory = Factory();
        var (owner, roomId, _) = await RoomAsync(factory, "owner", "guest");
        slack.Script(PostMessage, FakeSlackAnswer.RateLimited(retryAfterSeconds: 2));

        await CompleteAsync(owner, roomId);

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the match is posted");
        var attempts = slack.CallsOf(PostMessage);
        Assert.Equal([429, 200], attempts.Select(a => a.Status));
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromSeconds(1.9), $"waited {attempts[1].At - attempts[0].At} after Retry-After: 2");
    }

    [Fact]
    public async Task TwoServerErrorsThenSuccessPostOnce()
    {
        var factory = Factory();
        var (owner, roomId, _) = await RoomAsync(factory, "owner", "guest");
        slack.Script(PostMessage, FakeSlackAnswer.ServerError(), FakeSlackAnswer.ServerError());

        await CompleteAsync(owner, roomId);

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the match is posted");
        Assert.Equal([500, 500, 200], slack.CallsOf(PostMessage).Select(a => a.Status));
        Assert.Single(slack.CallsOf("conversations.open"));
    }

    [Fact]
    public async Task ASlowSlackDelaysNeitherTheMatchNorReadsOfIt()
    {
        var factory = Factory();
        var (owner, roomId, members) = await RoomAsync(factory, "owner", "guest");
        slack.Hold();

        var clock = Stopwatch.StartNew();
        var response = await owner.Http.PostAsync($"/api/rooms/{roomId}/match", null);
        var answeredIn = clock.Elapsed;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(answeredIn < TimeSpan.FromSeconds(3), $"the match answered in {answeredIn} while Slack did not answer at all");
        var matchId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matchId").GetGuid();
        await FakeSlackServer.WaitUntilAsync(() => slack.Held > 0, "the post is under way");
        clock.Restart();
        Assert.Equal(HttpStatusCode.OK, (await members[1].Client.Http.GetAsync($"/api/matches/{matchId}")).StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"reading the match took {clock.Elapsed} while its Slack post hung");
        Assert.True(slack.Held > 0, "Slack was still holding the post while the match was read");
        Assert.Empty(slack.Posts);

        slack.Release();

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the match is posted once Slack answers");
    }

    [Fact]
    public async Task AFailingSlackFailsNothingAndThePostFollowsOnceSlackRecovers()
    {
        var factory = Factory();
        var (owner, roomId, members) = await RoomAsync(factory, "owner", "guest");
        slack.Always(PostMessage, FakeSlackAnswer.ServerError());

        var matchId = await CompleteAsync(owner, roomId);

        Assert.Equal(HttpStatusCode.OK, (await members[1].Client.Http.GetAsync($"/api/matches/{matchId}")).StatusCode);
        Assert.Equal(10, await members[1].Client.ScoreAsync());
        // More attempts than one resilience pipeline makes (1 + 3 retries): the outbox itself tried again.
        await FakeSlackServer.WaitUntilAsync(() => slack.CallsOf(PostMessage).Count > 4, "the outbox retries after the pipeline gave up");
        Assert.Contains(await RemindersOfAsync(factory, matchId), r => r.ReminderName == SlackOutbox.Reminder);
        Assert.Equal(SlackPostStatus.Pending, (await StoredPostAsync(factory, matchId)).Status);

        slack.Always(PostMessage, null);

        await FakeSlackServer.WaitUntilAsync(() => slack.Posts.Count == 1, "the match is posted once Slack recovers");
        await FakeSlackServer.WaitUntilAsync(() => StoredPostAsync(factory, matchId).Result.Status == SlackPostStatus.Posted, "the post is recorded");
        await ReminderRemovedAsync(factory, matchId);
    }

    [Fact]
    public async Task APermanentRefusalIsGivenUpAndRecorded()
    {
        var factory = Factory();
        var (owner, roomId, _) = await RoomAsync(factory, "owner", "guest");
        slack.Script(PostMessage, FakeSlackAnswer.Refused("channel_not_found"));

        var matchId = await CompleteAsync(owner, roomId);

        await FakeSlackServer.WaitUntilAsync(() => StoredPostAsync(factory, matchId).Result.Status == SlackPostStatus.Refused, "the refusal is recorded");
        Assert.Equal("channel_not_found", (await StoredPostAsync(factory, matchId)).Error);
        Assert.Single(slack.CallsOf(PostMessage));
        Assert.Empty(slack.Posts);
        await ReminderRemovedAsync(factory, matchId);
    }

    [Fact]
    public async Task WithoutATokenNothingIsQueuedOrRequested()
    {
        var factory = Factory(token: null);
        var (owner, roomId, members) = await RoomAsync(factory, "owner", "guest");

        var matchId = await CompleteAsync(owner, roomId);

        Assert.Equal(HttpStatusCode.OK, (await members[1].Client.Http.GetAsync($"/api/matches/{matchId}")).StatusCode);
        Assert.Equal(SlackPostStatus.None, (await StoredPostAsync(factory, matchId)).Status);
        Assert.DoesNotContain(await RemindersOfAsync(factory, matchId), r => r.ReminderName == SlackOutbox.Reminder);
        Assert.Empty(slack.Requests);
    }

    [Fact]
    public async Task APostPendingWhenTheMatchDeactivatesIsPostedOnceByTheNextActivation()
    {
        var factory = Factory();
        var (owner, roomId, members) = await RoomAsync(factory, "owner", "guest");
        slack.Always(PostMessage, FakeSlackAnswer.ServerError());
        var matchId = await CompleteAsync(owner, roomId);
        await FakeSlackServer.WaitUntilAsync(() => slack.CallsOf(PostMessage).Count > 0, "a first attempt failed");

        await DeactivateAsync(factory, matchId);
        slack.Always(PostMessage, null);
        Assert.Equal(HttpStatusCode.OK, (await members[1].Client.Http.GetAsync($"/api/matches/{matchId}")).StatusCode);

        await FakeSlackServer.WaitUntilAsync(() => PostsOf(matchId) == 1, "the next activation posts it");
        await FakeSlackServer.WaitUntilAsync(() => StoredPostAsync(factory, matchId).Result.Status == SlackPostStatus.Posted, "the post is recorded");

        // Once more: an activation that finds the post recorded sends nothing. A later match's post is the barrier.
        await DeactivateAsync(factory, matchId);
        Assert.Equal(HttpStatusCode.OK, (await members[1].Client.Http.GetAsync($"/api/matches/{matchId}")).StatusCode);
        var (nextOwner, nextRoomId, _) = await RoomAsync(factory, "next-owner", "next-guest");
        var nextMatchId = await CompleteAsync(nextOwner, nextRoomId);
        await FakeSlackServer.WaitUntilAsync(() => PostsOf(nextMatchId) == 1, "the later match is posted");
        Assert.Equal(1, PostsOf(matchId));
    }

    [Fact]
    public void TheTextNamesTheMatchEscapesUserInputAndLinksOnlyWhenConfigured()
    {
        var match = MatchSetup.Definition([(Guid.NewGuid(), "a<b>"), (Guid.NewGuid(), "c&d")]) with { Title = "<!channel> & co" };

        var linked = SlackMatchPoster.Text(match, LinkBase + "/");
        var unlinked = SlackMatchPoster.Text(match, null);

        Assert.Contains("&lt;!channel&gt; &amp; co", linked, StringComparison.Ordinal);
        Assert.Contains("a&lt;b&gt;, c&amp;d", linked, StringComparison.Ordinal);
        Assert.Contains("MEAL", linked, StringComparison.Ordinal);
        Assert.EndsWith($"<{LinkBase}/matches/{match.MatchId:D}|Open the match>", linked, StringComparison.Ordinal);
        Assert.DoesNotContain("<", unlinked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Slack:BaseUrl", "slack.com/api")]
    [InlineData("Slack:MatchLinkBaseUrl", "ftp://partner.example")]
    public void AMalformedUrlStopsStartUpNamingTheKey(string key, string value)
    {
        var factory = new PartnerApiFactory { Settings = new Dictionary<string, string?> { ["Slack:BotToken"] = FakeSlackServer.Token, [key] = value } };
        factories.Add(factory);

        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains(key, failure.ToString(), StringComparison.Ordinal);
    }

    private PartnerApiFactory Factory(string? token = FakeSlackServer.Token)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Slack:BaseUrl"] = slack.BaseUrl,
            ["Slack:MatchLinkBaseUrl"] = LinkBase,
            // Retry-After still rules a 429; this only shortens the backoff after 5xx.
            ["Slack:Resilience:Retry:Delay"] = "00:00:00.100",
        };
        if (token is not null)
        {
            settings["Slack:BotToken"] = token;
        }

        var factory = new PartnerApiFactory { Settings = settings };
        factories.Add(factory);
        return factory;
    }

    private int PostsOf(Guid matchId) => slack.Posts.Count(p => p.Text.Contains(matchId.ToString("D"), StringComparison.Ordinal));

    /// <summary>A signed-in member; with a name, an e-mail set through the API and known to Slack unless <paramref name="onSlack"/> is false.</summary>
    private async Task<Member> MemberAsync(PartnerApiFactory factory, string? name, bool onSlack = true)
    {
        var client = await factory.SignInAsync();
        if (name is null)
        {
            return new Member(client, null, null);
        }

        var email = $"{name}.{Guid.NewGuid():N}@student.42seoul.kr";
        Assert.Equal(HttpStatusCode.OK, (await client.Http.PatchAsJsonAsync("/api/users/me", new { email })).StatusCode);
        return new Member(client, email, onSlack ? slack.AddUser(email) : null);
    }

    /// <summary>A room of these members, the first its owner: a name gives an e-mail known to Slack, "stranger" one Slack does not know, null none.</summary>
    private async Task<(SignedInClient Owner, Guid RoomId, Member[] Members)> RoomAsync(PartnerApiFactory factory, params string?[] names)
    {
        var members = new List<Member>();
        foreach (var name in names)
        {
            members.Add(await MemberAsync(factory, name, onSlack: name != "stranger"));
        }

        var owner = members[0].Client;
        var roomId = (await owner.CreateRoomAsync(RoomRequests.Body(capacity: names.Length))).Id();
        foreach (var guest in members.Skip(1))
        {
            Assert.Equal(HttpStatusCode.Created, (await guest.Client.Http.PutAsync($"/api/rooms/{roomId}/participants/me", null)).StatusCode);
        }

        return (owner, roomId, [.. members]);
    }

    private static async Task<Guid> CompleteAsync(SignedInClient owner, Guid roomId)
    {
        var response = await owner.Http.PostAsync($"/api/rooms/{roomId}/match", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matchId").GetGuid();
    }

    private static async Task<SlackPost> StoredPostAsync(PartnerApiFactory factory, Guid matchId)
    {
        var storage = factory.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var state = new GrainState<MatchState>(new MatchState());
        await storage.ReadStateAsync("match", factory.Grains().GetGrain<IMatchGrain>(matchId).GetGrainId(), state);
        Assert.True(state.RecordExists, "the match is stored");
        return state.State!.Slack;
    }

    private static async Task<IReadOnlyList<ReminderEntry>> RemindersOfAsync(PartnerApiFactory factory, Guid matchId)
    {
        var rows = await factory.Services.GetRequiredService<IReminderTable>().ReadRows(factory.Grains().GetGrain<IMatchGrain>(matchId).GetGrainId());
        return [.. rows.Reminders];
    }

    // The outbox writes the outcome first and removes its reminder after, so the removal is awaited, not assumed.
    private static Task ReminderRemovedAsync(PartnerApiFactory factory, Guid matchId) =>
        FakeSlackServer.WaitUntilAsync(() => RemindersOfAsync(factory, matchId).Result.Count == 0, "the reminder is removed once the outcome is recorded");

    private static async Task DeactivateAsync(PartnerApiFactory factory, Guid matchId)
    {
        var grainId = factory.Grains().GetGrain<IMatchGrain>(matchId).GetGrainId();
        var management = factory.Grains().GetGrain<IManagementGrain>(0);
        await management.DeactivateGrain(grainId, CancellationToken.None);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
        while ((await management.GetActiveGrains(grainId.Type)).Contains(grainId))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the match grain deactivates");
            await Task.Delay(25);
        }
    }

    private sealed record Member(SignedInClient Client, string? Email, string? SlackId);
}
