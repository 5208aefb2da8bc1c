using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Tests.Api;

namespace Partner.Tests.Alarms;

public sealed class AlarmList(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private IAlarmInboxGrain InboxOf(SignedInClient user) => factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlarmInboxGrain>(user.UserId);

    [Fact]
    public async Task AnAlarmTravelsWithEveryContractField()
    {
        var alice = await factory.SignInAsync();
        var draft = new AlarmDraft(Guid.NewGuid(), AlarmType.MatchConfirmed, "Your lunch match is confirmed", Guid.NewGuid(), null, Guid.NewGuid(), "bob");
        await InboxOf(alice).Raise(draft);

        var page = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms");

        Assert.Equal(1, page.GetProperty("unreadCount").GetInt32());
        Assert.Equal(1, page.GetProperty("lastSeq").GetInt64());
        var alarm = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(draft.AlarmId, alarm.GetProperty("alarmId").GetGuid());
        Assert.Equal(1, alarm.GetProperty("seq").GetInt64());
        Assert.Equal("MATCH_CONFIRMED", alarm.GetProperty("type").GetString());
        Assert.Equal(draft.Text, alarm.GetProperty("text").GetString());
        Assert.Equal(draft.RoomId, alarm.GetProperty("roomId").GetGuid());
        Assert.Equal(draft.MatchId, alarm.GetProperty("matchId").GetGuid());
        Assert.False(alarm.TryGetProperty("commentId", out var commentId) && commentId.ValueKind != JsonValueKind.Null);
        Assert.Equal("bob", alarm.GetProperty("actorNickname").GetString());
        Assert.Equal(TimeSpan.Zero, alarm.GetProperty("createdAt").GetDateTimeOffset().Offset);
        Assert.False(alarm.GetProperty("read").GetBoolean());
    }

    [Fact]
    public async Task ByDefaultListsTheNewest50Ascending()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(60);

        var page = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms");

        Assert.Equal(Enumerable.Range(11, 50).Select(seq => (long)seq), Seqs(page));
        Assert.Equal(60, page.GetProperty("unreadCount").GetInt32());
        Assert.Equal(60, page.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task AfterSeqAndLimitPageAscending()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(5);

        var first = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms?afterSeq=0&limit=2");
        var next = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms?afterSeq=2&limit=2");
        var last = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms?afterSeq=4&limit=2");
        var newest = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms?limit=2");

        Assert.Equal([1, 2], Seqs(first));
        Assert.Equal([3, 4], Seqs(next));
        Assert.Equal([5], Seqs(last));
        Assert.Equal([4, 5], Seqs(newest));
    }

    [Fact]
    public async Task Lists500OfMoreAlarmsWithTheirSeqsContinuing()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(520);

        var seqs = new List<long>();
        var lastSeq = 0L;
        for (var after = 0L; ;)
        {
            var page = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/alarms?afterSeq={after}&limit=100");
            lastSeq = page.GetProperty("lastSeq").GetInt64();
            var items = Seqs(page);
            if (items.Length == 0)
            {
                break;
            }

            seqs.AddRange(items);
            after = items[^1];
        }

        Assert.Equal(500, seqs.Count);
        Assert.Equal(21, seqs[0]);
        Assert.Equal(520, lastSeq);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("afterSeq=-1", "afterSeq")]
    [InlineData("afterSeq=-1&limit=20", "afterSeq")]
    public async Task OutOfRangeQueriesAre400NamingTheField(string query, string field)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.GetAsync($"/api/alarms?{query}");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Equal([field], problem.Errors.Keys);
    }

    [Theory]
    [InlineData("limit=many")]
    [InlineData("afterSeq=first")]
    public async Task NonNumericQueriesAre400(string query)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.GetAsync($"/api/alarms?{query}");

        Assert.Equal("validation", (await Problem.ReadAsync(response, HttpStatusCode.BadRequest)).Code);
    }

    [Fact]
    public async Task WithoutATokenIs401()
    {
        var response = await factory.CreateClient().GetAsync("/api/alarms");

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EachUserSeesOnlyTheirOwnAlarms()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var forAlice = AlarmDrafts.RoomJoined("for alice");
        await InboxOf(alice).Raise(forAlice);
        await InboxOf(bob).RaiseAsync(2);

        var alicePage = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        var bobPage = await bob.Http.GetFromJsonAsync<JsonElement>("/api/alarms?afterSeq=0");

        Assert.Equal([forAlice.AlarmId], alicePage.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("alarmId").GetGuid()));
        Assert.DoesNotContain(forAlice.AlarmId, bobPage.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("alarmId").GetGuid()));
        Assert.Equal(2, bobPage.GetProperty("lastSeq").GetInt64());
    }

    private static long[] Seqs(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("seq").GetInt64())];
}
