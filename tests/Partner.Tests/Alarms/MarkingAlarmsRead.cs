using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Tests.Api;

namespace Partner.Tests.Alarms;

public sealed class MarkingAlarmsRead(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private IAlarmInboxGrain InboxOf(SignedInClient user) => factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlarmInboxGrain>(user.UserId);

    [Fact]
    public async Task MarksReadUpToTheGivenSeqOnly()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(4);

        var response = await alice.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 2 });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var page = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        Assert.Equal(2, page.GetProperty("unreadCount").GetInt32());
        Assert.Equal([true, true, false, false], page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("read").GetBoolean()));
    }

    [Fact]
    public async Task UnreadCountCountsEveryKeptUnreadAlarmNotOnlyThePage()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(8);
        await alice.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 3 });

        var page = await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms?afterSeq=0&limit=2");

        Assert.Equal(5, page.GetProperty("unreadCount").GetInt32());
        Assert.Equal(8, page.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task MarkingReadOnlyTouchesMyOwnInbox()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(2);
        await InboxOf(bob).RaiseAsync(2);

        await bob.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 2 });

        Assert.Equal(2, (await alice.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("unreadCount").GetInt32());
        Assert.Equal(0, (await bob.Http.GetFromJsonAsync<JsonElement>("/api/alarms")).GetProperty("unreadCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"upToSeq":-1}""")]
    [InlineData("""{}""")]
    [InlineData("""{"upToSeq":null}""")]
    [InlineData("""{"upToSeq":"two"}""")]
    public async Task AMissingOrNegativeUpToSeqIs400NamingTheField(string body)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.PostAsync("/api/alarms/read", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Equal(["upToSeq"], problem.Errors.Keys);
    }

    [Fact]
    public async Task WithoutATokenIs401()
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/api/alarms/read", new { upToSeq = 1 });

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AWithdrawnUserCanNeitherListNorMarkRead()
    {
        var alice = await factory.SignInAsync();
        await InboxOf(alice).RaiseAsync(1);
        await alice.Http.DeleteAsync("/api/users/me");

        var list = await alice.Http.GetAsync("/api/alarms");
        var read = await alice.Http.PostAsJsonAsync("/api/alarms/read", new { upToSeq = 1 });

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal("user.withdrawn", (await Problem.ReadAsync(read, HttpStatusCode.Forbidden)).Code);
    }
}
