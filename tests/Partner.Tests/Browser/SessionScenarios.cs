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
        var page = await scenario.SignInAsync(login);
        var statuses = new List<string>();
        page.Response += (_, response) => { lock (statuses) { statuses.Add($"{response.Status} {new Uri(response.Url).AbsolutePath}"); } };
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        await Expect(page.Locator("dd.score")).ToHaveTextAsync("0");
        lock (statuses)
        {
            var refused = statuses.IndexOf("401 /api/users/me/activity-score");
            var refreshed = statuses.IndexOf("200 /api/auth/refresh");
            var retried = statuses.LastIndexOf("200 /api/users/me/activity-score");
            Assert.True(refused >= 0 && refreshed > refused && retried > refreshed, "401, refresh, retry: " + string.Join(", ", statuses));
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
