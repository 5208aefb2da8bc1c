using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Runtime;
using Partner.Silo.Hosting;
using Partner.Tests.Api;

namespace Partner.Tests.Operations;

/// <summary>The embedded API as it starts with no configuration: the dashboard on.</summary>
public sealed class EmbeddedDashboardApi : IDisposable
{
    public PartnerApiFactory Factory { get; } = new() { Dashboard = true };

    public void Dispose() => Factory.Dispose();
}

/// <summary>The Orleans dashboard is open in the embedded default, checked through its data endpoint (the page answers 200 even when broken).</summary>
public sealed class DashboardInTheEmbeddedDefault(EmbeddedDashboardApi api) : IClassFixture<EmbeddedDashboardApi>
{
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task IsOpenAndShowsTheCoHostedSilo()
    {
        var http = factory.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string counters;
        // The dashboard samples the cluster once a second: a fresh silo is listed from its first sample on.
        do
        {
            var response = await http.GetAsync("/dashboard/DashboardCounters");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            counters = await response.Content.ReadAsStringAsync();
        }
        while (!counters.Contains("\"status\":\"Active\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Delay());

        Assert.Contains("\"status\":\"Active\"", counters);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }

    [Fact]
    public void ItsServicesRunOnTheNode() => Assert.NotEmpty(DashboardServices.On(factory));

    [Fact]
    public async Task ItsPageLoadsOnlyScriptsOfThisOrigin()
    {
        var page = await factory.CreateClient().GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self';", string.Join(",", page.Headers.GetValues("Content-Security-Policy")));
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync());
    }
}

/// <summary>The embedded API with the dashboard restricted as in production (<c>Partner:Dashboard:RequireAdmin</c>).</summary>
public sealed class AdminOnlyDashboardApi : IDisposable
{
    public PartnerApiFactory Factory { get; } = new() { Dashboard = true, Settings = new Dictionary<string, string?> { ["Partner:Dashboard:RequireAdmin"] = "true" } };

    public void Dispose() => Factory.Dispose();
}

public sealed class AdminOnlyDashboard(AdminOnlyDashboardApi api) : IClassFixture<AdminOnlyDashboardApi>
{
    private const string Counters = "/dashboard/DashboardCounters";
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task RefusesAnonymousCallersWith401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync(Counters)).StatusCode);
    }

    [Fact]
    public async Task RefusesSignedInNonAdminsWith403()
    {
        var user = await factory.SignInAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.Http.GetAsync(Counters)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Http.PostAsync("/api/operations/dashboard-cookie", null)).StatusCode);
    }

    [Fact]
    public async Task AnswersAdminsWithTheBearerHeader()
    {
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync(Counters)).StatusCode);
    }

    [Fact]
    public async Task GivesAdminsACookieThatOpensOnlyTheDashboard()
    {
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        var issued = await admin.Http.PostAsync("/api/operations/dashboard-cookie", null);

        Assert.Equal(HttpStatusCode.NoContent, issued.StatusCode);
        var setCookie = issued.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_dashboard=", StringComparison.Ordinal));
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await SendWithCookieAsync(Counters, cookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendWithCookieAsync("/api/users/me", cookie)).StatusCode);
    }

    [Fact]
    public async Task ItsCookieStopsWorkingWhenTheAdminSignsOut()
    {
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[1]);
        var issued = await admin.Http.PostAsync("/api/operations/dashboard-cookie", null);
        var cookie = issued.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_dashboard=", StringComparison.Ordinal)).Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await SendWithCookieAsync(Counters, cookie)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.PostAsync("/api/auth/logout", null)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendWithCookieAsync(Counters, cookie)).StatusCode);
    }

    private Task<HttpResponseMessage> SendWithCookieAsync(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return factory.CreateClient().SendAsync(request);
    }
}

/// <summary><c>Partner:Dashboard:Enabled=false</c> (test hosts' default): no dashboard on the silo or the API node.</summary>
public sealed class DashboardSwitchedOff(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task ItsPagesAndItsCookieAreNotServed()
    {
        var admin = await factory.SignInAsync(PartnerApiFactory.AdminLogins[0]);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.PostAsync("/api/operations/dashboard-cookie", null)).StatusCode);
        Assert.Empty(DashboardServices.On(factory));
    }

    [Fact]
    public void AValueThatIsNotABooleanStopsStartUpNamingTheKey()
    {
        using var misconfigured = new PartnerApiFactory { Settings = new Dictionary<string, string?> { [PartnerSiloHosting.DashboardEnabledKey] = "maybe" } };

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        Assert.Contains(PartnerSiloHosting.DashboardEnabledKey, error.ToString(), StringComparison.Ordinal);
    }
}

internal static class DashboardServices
{
    /// <summary>The dashboard's hosted services and silo lifecycle participants on the node (the co-hosted silo's included).</summary>
    public static string[] On(PartnerApiFactory factory) =>
        factory.Services.GetServices<IHostedService>().Cast<object>()
            .Concat(factory.Services.GetServices<ILifecycleParticipant<ISiloLifecycle>>())
            .Select(service => service.GetType().FullName!)
            .Where(type => type.StartsWith("Orleans.Dashboard", StringComparison.Ordinal))
            .ToArray();
}
