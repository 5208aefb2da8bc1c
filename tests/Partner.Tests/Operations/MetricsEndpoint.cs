using System.Diagnostics.Metrics;
using System.Net;
using Partner.Operations;
using Partner.Silo.Hosting;
using Partner.Tests.Api;
using Partner.Tests.Live;
using Partner.Tests.RandomMatch;
using Partner.Tests.Rooms;

namespace Partner.Tests.Operations;

/// <summary>The embedded API with queue categories of group size 2 whose tickets expire after 3 s.</summary>
public sealed class MetricsApi : IDisposable
{
    public PartnerApiFactory Factory { get; } = new()
    {
        Settings = new Dictionary<string, string?>(QueueTestCatalog.Settings(10, 2)) { ["Partner:RandomMatch:TicketLifetime"] = "00:00:03" },
    };

    public void Dispose() => Factory.Dispose();
}

/// <summary>
/// Runs alone, after the parallel tests: OpenTelemetry listens to every meter named <c>Partner</c> in the process, so
/// another test host's rooms and connections (and their disappearance when that host stops) would move these counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics (alone)";
}

/// <summary><c>GET /metrics</c> in the embedded default: the co-hosted silo's series and Partner's own, moving with the actions that feed them.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpoint(MetricsApi api) : IClassFixture<MetricsApi>
{
    private const string Path = "/metrics";
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task ServesAspNetCoreRuntimeAndOrleansSeriesAsPrometheusText()
    {
        var http = factory.CreateClient();
        await http.GetAsync("/api/categories");

        var response = await http.GetAsync(Path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        // A request is recorded once it has ended, and a scrape is cached briefly: the series shows up on a later scrape.
        var text = await response.Content.ReadAsStringAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !text.Contains("\nhttp_server_request_duration_seconds_count{", StringComparison.Ordinal) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
            text = await http.GetStringAsync(Path);
        }


        Assert.Contains("\nhttp_server_request_duration_seconds_count{", text);
        Assert.Contains("\ndotnet_process_cpu_count", text);
        Assert.Contains("\norleans_catalog_activations", text);
    }

    [Fact]
    public async Task CountsRoomsCreatedJoinedAndCompletedPerCategory()
    {
        var http = factory.CreateClient();
        var before = await http.GetStringAsync(Path);
        var meal = ("category", "MEAL");
        var owner = await factory.SignInAsync();
        var guest = await factory.SignInAsync();

        var room = (await owner.CreateRoomAsync()).Id();
        await MetricsScrape.EventuallyAsync(http, Path, "partner_rooms_created_total", MetricsScrape.Sum(before, "partner_rooms_created_total", meal) + 1, meal);
        Assert.Equal(HttpStatusCode.Created, (await guest.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await guest.Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.Http.PostAsync($"/api/rooms/{room}/match", null)).StatusCode);

        await MetricsScrape.EventuallyAsync(http, Path, "partner_room_joins_accepted_total", MetricsScrape.Sum(before, "partner_room_joins_accepted_total", meal) + 1, meal);
        await MetricsScrape.EventuallyAsync(http, Path, "partner_rooms_completed_total", MetricsScrape.Sum(before, "partner_rooms_completed_total", meal) + 1, meal);
    }

    [Fact]
    public async Task CountsRefusedJoinsByTheirErrorCode()
    {
        var http = factory.CreateClient();
        var before = await http.GetStringAsync(Path);
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync(RoomRequests.Body(capacity: 2))).Id();
        Assert.Equal(HttpStatusCode.Created, (await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);

        var refused = await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room}/participants/me", null);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var full = ("reason", "room.full");
        await MetricsScrape.EventuallyAsync(http, Path, "partner_room_joins_refused_total", MetricsScrape.Sum(before, "partner_room_joins_refused_total", full) + 1, full);
    }

    [Fact]
    public async Task CountsTicketsEnqueuedCancelledMatchedAndExpiredPerCategory()
    {
        var http = factory.CreateClient();
        var category = factory.FreshCategory();
        var label = ("category", category);
        var (first, second, third, late) = (await factory.SignInAsync(), await factory.SignInAsync(), await factory.SignInAsync(), await factory.SignInAsync());

        Assert.Equal(HttpStatusCode.Created, (await first.PutTicketAsync(category)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await first.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);
        await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_cancelled_total", 1, label);
        Assert.Equal(HttpStatusCode.Created, (await second.PutTicketAsync(category)).StatusCode);
        Assert.Equal("MATCHED", (await (await third.PutTicketAsync(category)).TicketAsync()).GetProperty("status").GetString());
        await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_matched_total", 2, label);
        await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_time_to_match_seconds_count", 2, label);
        await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_waiting", 0, label);
        Assert.Equal(HttpStatusCode.Created, (await late.PutTicketAsync(category)).StatusCode);
        await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_waiting", 1, label);

        var text = await MetricsScrape.EventuallyAsync(http, Path, "partner_tickets_expired_total", 1, label);
        Assert.Equal(4, MetricsScrape.Sum(text, "partner_tickets_enqueued_total", label));
    }

    [Fact]
    public async Task CountsHubConnectionsAndTheAlarmsPushedToThem()
    {
        var http = factory.CreateClient();
        var before = await http.GetStringAsync(Path);
        var connections = MetricsScrape.Sum(before, "partner_hub_connections");
        var joined = ("type", "RoomJoined");
        var owner = await factory.SignInAsync();
        var room = (await owner.CreateRoomAsync()).Id();

        await using (var live = await LiveClient.ConnectAsync(factory, owner.AccessToken))
        {
            await MetricsScrape.EventuallyAsync(http, Path, "partner_hub_connections", connections + 1);
            Assert.Equal(HttpStatusCode.Created, (await (await factory.SignInAsync()).Http.PutAsync($"/api/rooms/{room}/participants/me", null)).StatusCode);
            await live.NextAlarmAsync();

            await MetricsScrape.EventuallyAsync(http, Path, "partner_alarms_pushed_total", MetricsScrape.Sum(before, "partner_alarms_pushed_total") + 1);
            await MetricsScrape.EventuallyAsync(http, Path, "partner_alarms_push_latency_milliseconds_count", MetricsScrape.Sum(before, "partner_alarms_push_latency_milliseconds_count") + 1);
            await MetricsScrape.EventuallyAsync(http, Path, "partner_alarms_raised_total", MetricsScrape.Sum(before, "partner_alarms_raised_total", joined) + 1, joined);
        }

        await MetricsScrape.EventuallyAsync(http, Path, "partner_hub_connections", connections);
    }

    [Fact]
    public async Task ASeriesKeepsItsPointLimitAndFoldsFurtherLabelSetsIntoItsOverflowPoint()
    {
        var http = factory.CreateClient();
        using var meter = new Meter(PartnerInstruments.MeterName);
        var counter = meter.CreateCounter<long>("partner.test.label_sets");
        var recorded = PartnerTelemetry.PointsPerSeries + 100;

        for (var i = 0; i < recorded; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("n", i));
        }

        var text = await MetricsScrape.EventuallyAsync(http, Path, "partner_test_label_sets_total", recorded);
        var points = text.Split('\n').Where(line => line.StartsWith("partner_test_label_sets_total{", StringComparison.Ordinal)).ToList();
        Assert.Equal(PartnerTelemetry.PointsPerSeries + 1, points.Count);
        Assert.Equal(100, MetricsScrape.Sum(text, "partner_test_label_sets_total", ("otel_metric_overflow", "true")));
    }
}
