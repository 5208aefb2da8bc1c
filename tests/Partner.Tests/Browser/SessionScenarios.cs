using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Partner.Tests.Browser;

/// <summary>Access tokens of three seconds: the client refreshes through its cookie on a 401, keeps the session over a reload, and signs out for good.</summary>
[Collection(ShortTokenBrowserCollection.Name)]
public sealed class SessionScenarios(ShortTokenBrowserHost host)
{
    [Fact]
    public Task AnExpiredTokenIsRefreshedOnA401AndSignOutEndsTheSession() => host.RunAsync(nameof(AnExpiredTokenIsRefreshedOnA401AndSignOutEndsTheSession), async scenario =>
    {
        var login = Scenario.NewLogin("ses");
        var page = await scenario.OpenAsync(login);
        // No live connection here: its tries would refresh the token before any request meets a 401. Its negotiation is held
        // unanswered, not refused: a refused first connection is tried again every few seconds.
        var held = new List<IRoute>();
        await page.RouteAsync("**/hubs/partner/**", route =>
        {
            lock (held) { held.Add(route); }
            return Task.CompletedTask;
        });
        await Scenario.SignInAsync(page, login);
        var statuses = new List<string>();
        page.Response += (_, response) => { lock (statuses) { statuses.Add($"{response.Request.Method} {new Uri(response.Url).AbsolutePath} {response.Status}"); } };
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        await Expect(page.Locator("dd.score")).ToHaveTextAsync("0");
        lock (statuses)
        {
            var refused = statuses.FindIndex(s => s.StartsWith("GET /api/", StringComparison.Ordinal) && s.EndsWith(" 401", StringComparison.Ordinal));
            Assert.True(refused >= 0, "no request met a 401: " + string.Join(", ", statuses));
            var refreshed = statuses.IndexOf("POST /api/auth/refresh 200", refused);
            var retried = statuses.IndexOf(statuses[refused][..^4] + " 200", Math.Max(refreshed, 0));
            Assert.True(refreshed > refused && retried > refreshed, "401, refresh, retry: " + string.Join(", ", statuses));
        }

        await page.ReloadAsync();
        await Expect(page.Locator("header .who")).ToHaveTextAsync(login);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("header .who")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("#rooms-heading")).ToBeVisibleAsync();
        await Expect(page.Locator("header .who")).ToHaveCountAsync(0);
    });
}
