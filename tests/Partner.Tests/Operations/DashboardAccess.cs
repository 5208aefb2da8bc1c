using System.Net;
using Partner.Tests.Api;

namespace Partner.Tests.Operations;

/// <summary>The Orleans dashboard is open in the embedded default, checked through its data endpoint (the page answers 200 even when broken).</summary>
public sealed class DashboardInTheEmbeddedDefault(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
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
    public PartnerApiFactory Factory { get; } = new() { Settings = new Dictionary<string, string?> { ["Partner:Dashboard:RequireAdmin"] = "true" } };

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
