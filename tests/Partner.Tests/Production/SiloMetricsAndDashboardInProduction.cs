using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Partner.Tests.Infrastructure;
using Partner.Tests.Operations;
using Partner.Tests.Rooms;

namespace Partner.Tests.Production;

/// <summary>A production silo process serves its own metrics port; API nodes serve /metrics and keep the dashboard for admins.</summary>
[Collection(ProductionCollection.Name)]
public sealed class SiloMetricsAndDashboardInProduction(SiloMetricsAndDashboardInProduction.Deployment deployment) : IClassFixture<SiloMetricsAndDashboardInProduction.Deployment>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private const string AdminLogin = "opsadmin";
    private readonly int metricsPort = deployment.MetricsPort;
    private readonly FakeIntraServer intra = deployment.Intra;
    private readonly ApiProcess api = deployment.Api;

    /// <summary>A silo with its metrics port and an API node with 42 login and an admin, started once for the class.</summary>
    public sealed class Deployment(ProductionServers servers) : IAsyncLifetime
    {
        private readonly int apiPort = FreePort.Next();
        private ProductionCluster cluster = null!;

        public int MetricsPort { get; } = FreePort.Next();

        public FakeIntraServer Intra { get; private set; } = null!;

        public ApiProcess Api { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Intra = await FakeIntraServer.StartAsync();
            cluster = new ProductionCluster(servers.Database, servers.Redis);
            await cluster.StartSiloAsync(settings: new Dictionary<string, string?> { ["Partner__Metrics__Port"] = MetricsPort.ToString(CultureInfo.InvariantCulture) });
            Api = await cluster.StartApiAsync(
                new Dictionary<string, string?>
                {
                    ["Auth__DevLogin"] = "true",
                    ["Auth__Intra__BaseUrl"] = Intra.BaseUrl,
                    ["Auth__Intra__ClientId"] = Intra.ClientId,
                    ["Auth__Intra__ClientSecret"] = Intra.ClientSecret,
                    ["Auth__PublicBaseUrl"] = $"http://127.0.0.1:{apiPort.ToString(CultureInfo.InvariantCulture)}",
                    ["Partner__Admins__0"] = AdminLogin,
                },
                httpPort: apiPort);
            await Api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        }

        public async Task DisposeAsync()
        {
            await cluster.DisposeAsync();
            await Intra.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASiloServesOrleansAndPartnerSeriesOnItsMetricsPort()
    {
        var token = await SignInAsync();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(RoomRequests.Body()) };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Created, (await api.Http.SendAsync(create)).StatusCode);

        using var silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
        var meal = ("category", "MEAL");
        var text = await MetricsScrape.EventuallyAsync(silo, "/metrics", "partner_rooms_created_total", 1, meal);

        Assert.Contains("\norleans_catalog_activations", text);
        Assert.Contains("\ndotnet_process_cpu_count", text);
    }

    [Fact]
    public async Task AnApiNodeServesMetricsOfItsRequestsAndItsOrleansClient()
    {
        await api.Http.GetAsync("/api/categories");

        var text = await api.Http.GetStringAsync("/metrics");

        Assert.Contains("\nhttp_server_request_duration_seconds_count{", text);
        Assert.Contains("\nkestrel_active_connections", text);
        Assert.Contains("\norleans_", text);
    }

    [Fact]
    public async Task TheDashboardRefusesAnonymousCallersAndNonAdmins()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Http.GetAsync("/dashboard/DashboardCounters")).StatusCode);

        using var signedIn = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        signedIn.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await SignInAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Http.SendAsync(signedIn)).StatusCode);
    }

    [Fact]
    public async Task TheDashboardAnswersAnAdminSignedInThrough42WithTheBearerHeaderOrItsCookie()
    {
        intra.NextUser = new FakeIntraUser(880001, AdminLogin, "opsadmin@student.42seoul.kr", null);
        var token = await SignInThroughIntraAsync();

        using var withHeader = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        withHeader.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.SendAsync(withHeader)).StatusCode);

        using var issue = new HttpRequestMessage(HttpMethod.Post, "/api/operations/dashboard-cookie");
        issue.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var issued = await api.Http.SendAsync(issue);
        Assert.Equal(HttpStatusCode.NoContent, issued.StatusCode);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        withCookie.Headers.Add("Cookie", issued.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_dashboard=", StringComparison.Ordinal)).Split(';')[0]);
        var counters = await api.Http.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Contains("\"hosts\":", await counters.Content.ReadAsStringAsync());
    }

    /// <summary>The 42 authorization-code flow as a browser follows it: the API's cookies kept, redirects taken one by one.</summary>
    private async Task<string> SignInThroughIntraAsync() => (await IntraBrowserFlow.SignInAsync(api)).AccessToken;

    private async Task<string> SignInAsync()
    {
        var response = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login = "u" + Guid.NewGuid().ToString("N")[..10] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!;
    }
}
