using System.Net;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>The 42 authorization-code flow against a production API process as a browser follows it: its cookies kept, redirects taken one by one.</summary>
public static class IntraBrowserFlow
{
    /// <summary>The access token from the final redirect's fragment, and that redirect (its refresh cookie).</summary>
    public static async Task<(string AccessToken, HttpResponseMessage Final)> SignInAsync(ApiProcess api)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = api.Http.BaseAddress };
        using var provider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var challenge = await browser.GetAsync("/api/auth/login/42?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var consent = await provider.GetAsync(challenge.Headers.Location!);
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        var final = await browser.GetAsync(consent.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, final.StatusCode);
        var fragment = final.Headers.Location!.OriginalString.Split('#', 2)[1];
        return (Uri.UnescapeDataString(fragment.Split('&').Single(p => p.StartsWith("access_token=", StringComparison.Ordinal))["access_token=".Length..]), final);
    }
}
