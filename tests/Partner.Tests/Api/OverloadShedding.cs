using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Partner.Rooms;
using Partner.Tests.Rooms;

namespace Partner.Tests.Api;

/// <summary>Past the node's concurrency limit, requests are refused at once with 503 and Retry-After instead of waiting ever longer.</summary>
public sealed class OverloadShedding : IAsyncLifetime
{
    private static readonly TimeSpan SlowRead = TimeSpan.FromSeconds(1);
    private readonly SlowRoomReads slow = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Partner:Overload:MaxConcurrentRequests"] = "2",
                ["Partner:Overload:QueueLimit"] = "1",

                // Room reads must reach the (slow) cluster, not the node's read model.
                ["Partner:RoomReadModel:Enabled"] = "false",
            },
            ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(slow),
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task RequestsBeyondTheLimitAre503AtOnceAndProbesStillAnswer()
    {
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();
        var client = factory.CreateClient();
        slow.Enabled = true;

        var reads = Enumerable.Range(0, 12).Select(async _ =>
        {
            var clock = Stopwatch.StartNew();
            var response = await client.GetAsync($"/api/rooms/{room}");
            return (Response: response, Took: clock.Elapsed);
        }).ToArray();
        var live = await client.GetAsync("/health/live");
        var answers = await Task.WhenAll(reads);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var shed = answers.Where(a => a.Response.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        var served = answers.Where(a => a.Response.StatusCode == HttpStatusCode.OK).ToArray();
        Assert.Equal(12, shed.Length + served.Length);
        Assert.InRange(served.Length, 2, 3 * 2);
        Assert.NotEmpty(shed);
        Assert.All(shed, a => Assert.True(a.Took < SlowRead, $"a refusal took {a.Took.TotalMilliseconds:F0} ms"));
        foreach (var (response, _) in shed)
        {
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("unavailable", (await Problem.ReadAsync(response, HttpStatusCode.ServiceUnavailable)).Code);
        }
    }

    /// <summary>Room reads take <see cref="SlowRead"/> while enabled: a cluster that answers slowly.</summary>
    private sealed class SlowRoomReads : IIncomingGrainCallFilter
    {
        public volatile bool Enabled;

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (Enabled && context.InterfaceMethod?.DeclaringType == typeof(IRoomGrain) && context.InterfaceMethod.Name == nameof(IRoomGrain.Get))
            {
                await Task.Delay(SlowRead);
            }

            await context.Invoke();
        }
    }
}
