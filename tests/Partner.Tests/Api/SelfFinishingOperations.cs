using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Matches;
using Partner.Rooms;
using Partner.Tests.Matches;
using Partner.Tests.Rooms;

namespace Partner.Tests.Api;

/// <summary>
/// A multi-step operation that fails after its first write finishes by itself, with nobody retrying: the grain armed
/// a reminder before that write.
/// </summary>
public sealed class SelfFinishingOperations : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly FaultInjection faults = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(faults) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task ACompletionThatFailedAfterTheRoomClosedRecordsItsMatch()
    {
        var alice = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var room = (await alice.CreateRoomAsync()).Id();
        Assert.Equal(HttpStatusCode.Created, (await bob.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);
        faults.FailOnce(call => call.InterfaceMethod?.DeclaringType == typeof(IMatchGrain) && call.InterfaceMethod.Name == nameof(IMatchGrain.Create));

        var completion = await alice.Http.PostAsync($"/api/rooms/{room}/match", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, completion.StatusCode);
        Assert.Equal("COMPLETED", (await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rooms/{room}")).GetProperty("status").GetString());
        var match = await EventuallyAsync(() => bob.Http.GetAsync($"/api/matches/{room}"), HttpStatusCode.OK);
        Assert.Equal(2, match.GetProperty("members").GetArrayLength());
        var alarms = await bob.Http.GetFromJsonAsync<JsonElement>("/api/alarms");
        Assert.Contains(alarms.GetProperty("items").EnumerateArray(), a => a.GetProperty("type").GetString() == "MATCH_CONFIRMED");
        Assert.Equal(HttpStatusCode.Conflict, (await alice.Http.PostAsync($"/api/rooms/{room}/match", null)).StatusCode);
    }

    [Fact]
    public async Task AWithdrawalThatFailedMidwayLeavesTheRoomsOfTheAccount()
    {
        var alice = await factory.SignInAsync();
        var room = (await alice.CreateRoomAsync()).Id();
        faults.FailOnce(call => call.InterfaceMethod?.DeclaringType == typeof(IRoomGrain) && call.InterfaceMethod.Name == nameof(IRoomGrain.RemoveWithdrawn));

        var withdrawal = await alice.Http.DeleteAsync("/api/users/me");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, withdrawal.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.Http.PostAsJsonAsync("/api/rooms", RoomRequests.Body())).StatusCode);
        await EventuallyAsync(() => factory.CreateClient().GetAsync($"/api/rooms/{room}"), HttpStatusCode.NotFound);
    }

    private static async Task<JsonElement> EventuallyAsync(Func<Task<HttpResponseMessage>> request, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using var response = await request();
            if (response.StatusCode == expected)
            {
                var text = await response.Content.ReadAsStringAsync();
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"still {(int)response.StatusCode} after {Patience.TotalSeconds} s");
            await Task.Delay(200);
        }
    }
}
