using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Partner.Tests.Api;

/// <summary>A client signed in through dev login, with its tokens as the server issued them.</summary>
public sealed record SignedInClient(HttpClient Http, Guid UserId, string AccessToken, string RefreshToken, string SetCookie, JsonElement User);

public static class SignedInClients
{
    /// <summary>Signs <paramref name="login"/> in (creating the user on first use) and returns a client carrying its bearer token.</summary>
    public static async Task<SignedInClient> SignInAsync(this PartnerApiFactory factory, string? login = null)
    {
        var http = factory.CreateClient();
        login ??= "u" + Guid.NewGuid().ToString("N")[..12];
        var response = await http.PostAsJsonAsync("/api/auth/dev-login", new { login });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"dev login failed: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var accessToken = json.GetProperty("accessToken").GetString()!;
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("partner_refresh=", StringComparison.Ordinal));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return new SignedInClient(http, json.GetProperty("user").GetProperty("userId").GetGuid(), accessToken, CookieValue(setCookie), setCookie, json.GetProperty("user").Clone());
    }

    /// <summary>The value of a Set-Cookie header ("name=value; attributes").</summary>
    public static string CookieValue(string setCookie) => setCookie.Split(';')[0].Split('=', 2)[1];

    /// <summary>POST /api/auth/refresh presenting <paramref name="refreshToken"/> as the browser would: in the cookie.</summary>
    public static Task<HttpResponseMessage> RefreshWithCookieAsync(this PartnerApiFactory factory, string refreshToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", $"partner_refresh={refreshToken}");
        return factory.CreateClient().SendAsync(request);
    }

    public static string? RefreshCookieOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith("partner_refresh=", StringComparison.Ordinal))
            : null;
}
