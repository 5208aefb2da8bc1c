using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

public sealed class TicketExpiry : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly PartnerApiFactory factory;

    public TicketExpiry()
    {
        factory = new PartnerApiFactory
        {
            Settings = QueueTestCatalog.Settings(20, 2),
            ExtraServices = services => services.AddKeyedSingleton<TimeProvider>(DomainClock.Key, clock),
        };
    }

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ATicketExpiresExactlyAtItsDeadlineWithAnAlarm()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var ticket = await (await user.PutTicketAsync(category)).TicketAsync();
        Assert.Equal(clock.GetUtcNow() + Lifetime, ticket.GetProperty("expiresAt").GetDateTimeOffset());

        // A due expiry timer fires inside Advance and sends its call to the queue before the read below.
        clock.Advance(Lifetime - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
        Assert.Empty(await AlarmsAsync(user, "TICKET_EXPIRED"));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await QueueTestCatalog.EventuallyAsync(async () => (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32() == 0, "the expiry");
        Assert.Equal("EXPIRED", (await user.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        await QueueTestCatalog.EventuallyAsync(async () => (await AlarmsAsync(user, "TICKET_EXPIRED")).Length == 1, "TICKET_EXPIRED");
        Assert.Equal(HttpStatusCode.NotFound, (await user.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
    }

    [Fact]
    public async Task ItsOwnersDevicesLearnTheTicketExpired()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await using var phone = await Live.LiveClient.ConnectAsync(factory, user.AccessToken);
        await (await user.PutTicketAsync(category)).TicketAsync();

        clock.Advance(Lifetime);

        var ticket = await phone.NextTicketAsync();
        Assert.Equal("EXPIRED", ticket.GetProperty("status").GetString());
        Assert.Equal(category, ticket.GetProperty("category").GetString());
    }

    [Fact]
    public async Task AnExpiredTicketIsNeverMatched()
    {
        var category = factory.FreshCategory();
        var early = await factory.SignInAsync();
        var late = await factory.SignInAsync();
        await (await early.PutTicketAsync(category)).TicketAsync();

        clock.Advance(Lifetime);
        var ticket = await (await late.PutTicketAsync(category)).TicketAsync();

        Assert.Equal("WAITING", ticket.GetProperty("status").GetString());
        Assert.Equal("EXPIRED", (await early.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());
        await QueueTestCatalog.EventuallyAsync(async () => (await AlarmsAsync(early, "TICKET_EXPIRED")).Length == 1, "TICKET_EXPIRED");
        Assert.Equal(1, (await late.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task AnExpiredUserCanQueueAgain()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await (await user.PutTicketAsync(category, new { place = new[] { "GAEPO" } })).TicketAsync();

        clock.Advance(Lifetime);
        var again = await user.PutTicketAsync(category, new { place = new[] { "GAEPO" } });

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(clock.GetUtcNow() + Lifetime, (await again.TicketAsync()).GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task DeadlinesSurviveReactivation()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        await (await user.PutTicketAsync(category)).TicketAsync();
        clock.Advance(TimeSpan.FromMinutes(10));

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(1, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());

        clock.Advance(TimeSpan.FromMinutes(20));
        await QueueTestCatalog.EventuallyAsync(async () => (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32() == 0, "the expiry after reactivation");
        await QueueTestCatalog.EventuallyAsync(async () => (await AlarmsAsync(user, "TICKET_EXPIRED")).Length == 1, "TICKET_EXPIRED");
    }

    [Fact]
    public async Task AFinishedTicketIsForgottenAfterItsRetention()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        await (await ann.PutTicketAsync(category)).TicketAsync();
        await (await bob.PutTicketAsync(category)).TicketAsync();

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal("MATCHED", (await ann.QueueAsync(category)).GetProperty("ticket").GetProperty("status").GetString());

        clock.Advance(TimeSpan.FromMinutes(1));
        var queue = await ann.QueueAsync(category);
        Assert.True(!queue.TryGetProperty("ticket", out var ticket) || ticket.ValueKind == JsonValueKind.Null, queue.ToString());
    }

    [Fact]
    public async Task OnTheRealClockATicketExpiresOnTimeWithNobodyElseApplying()
    {
        await using var realClock = new PartnerApiFactory { Settings = new Dictionary<string, string?>(QueueTestCatalog.Settings(1, 2)) { ["Partner:RandomMatch:TicketLifetime"] = "00:00:01" } };
        var user = await realClock.SignInAsync();
        var stopwatch = Stopwatch.StartNew();
        await (await user.PutTicketAsync("Q2_0")).TicketAsync();

        Assert.Equal(1, (await user.QueueAsync("Q2_0")).GetProperty("waitingCount").GetInt32());
        await QueueTestCatalog.EventuallyAsync(async () => (await user.QueueAsync("Q2_0")).GetProperty("waitingCount").GetInt32() == 0, "the expiry", timeoutSeconds: 6);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
    }

    private static async Task<JsonElement[]> AlarmsAsync(SignedInClient user, string type)
    {
        var alarms = await user.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        return [.. alarms.GetProperty("items").EnumerateArray().Where(a => a.GetProperty("type").GetString() == type)];
    }
}
