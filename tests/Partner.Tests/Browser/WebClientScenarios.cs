using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Partner.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Partner.Tests.Browser;

/// <summary>The web client in Chromium against the real API: two users in two browser contexts, live pushes, text safety, accessibility.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebClientScenarios(BrowserHost host)
{
    [Fact]
    public Task ARoomAppearsForAnotherUserWhoJoinsAndTheOwnerSeesItLive() => host.RunAsync(nameof(ARoomAppearsForAnotherUserWhoJoinsAndTheOwnerSeesItLive), async scenario =>
    {
        var owner = await scenario.SignInAsync(Scenario.NewLogin("own"));
        var guest = await scenario.SignInAsync(Scenario.NewLogin("gst"));
        var title = "Lunch " + Guid.NewGuid().ToString("N")[..6];

        var roomId = await CreateRoomAsync(owner, title);
        await Expect(owner.Locator("h2 .count")).ToHaveTextAsync("1/4");
        await Expect(owner.Locator("header .unread-count")).ToHaveTextAsync("0");

        var listed = guest.Locator("li.card", new() { HasText = title });
        await Expect(listed).ToBeVisibleAsync();
        await listed.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await guest.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
        await Expect(guest.Locator("h2 .count")).ToHaveTextAsync("2/4");

        // The owner's page was never reloaded: the count and the alarm arrive over the hub.
        await Expect(owner.Locator("h2 .count")).ToHaveTextAsync("2/4");
        await Expect(owner.Locator("header .unread-count")).ToHaveTextAsync("1");
        Assert.EndsWith($"/rooms/{roomId}", owner.Url, StringComparison.Ordinal);
        await owner.Locator("header .bell").ClickAsync();
        await Expect(owner.Locator("li.alarm[data-alarm-type=ROOM_JOINED]")).ToHaveCountAsync(1);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Mark all read" }).ClickAsync();
        await Expect(owner.Locator("header .unread-count")).ToHaveTextAsync("0");
    });

    [Fact]
    public Task TwoUsersApplyingForARandomMatchBothSeeTheMatch() => host.RunAsync(nameof(TwoUsersApplyingForARandomMatchBothSeeTheMatch), async scenario =>
    {
        var first = await scenario.SignInAsync(Scenario.NewLogin("rnd"));
        var second = await scenario.SignInAsync(Scenario.NewLogin("rnd"));
        foreach (var page in new[] { first, second })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Random match" }).ClickAsync();
            await page.GetByLabel("Category").SelectOptionAsync("STUDY");
            await page.Locator("fieldset", new() { HasText = "place" }).GetByLabel("gaepo").CheckAsync();
        }

        await first.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(first.Locator(".ticket")).ToContainTextAsync("Waiting");
        await Expect(second.Locator(".waiting-count")).ToHaveTextAsync("1");
        await second.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        foreach (var page in new[] { second, first })
        {
            var link = page.Locator(".ticket").GetByRole(AriaRole.Link, new() { Name = "View the match" });
            await Expect(link).ToBeVisibleAsync();
            await link.ClickAsync();
            await Expect(page.Locator("ul.members li")).ToHaveCountAsync(2);
            await Expect(page.Locator("ul.members")).ToContainTextAsync("(me)");
        }
    });

    [Fact]
    public Task AValidationErrorShowsNextToItsField() => host.RunAsync(nameof(AValidationErrorShowsNextToItsField), async scenario =>
    {
        var page = await scenario.SignInAsync(Scenario.NewLogin("val"));
        await page.GetByRole(AriaRole.Link, new() { Name = "New room" }).ClickAsync();
        await page.GetByLabel("Title").FillAsync("   ");
        await page.GetByLabel("Content").FillAsync("Anyone hungry?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();

        await Expect(page.Locator("#title-error")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Title")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Title")).ToHaveAttributeAsync("aria-describedby", "title-error");
        await Expect(page.Locator("#content-error")).ToHaveCountAsync(0);
        Assert.EndsWith("/rooms/new", page.Url, StringComparison.Ordinal);
    });

    [Fact]
    public Task MarkupInATitleOrCommentShowsAsTextAndRunsNothing() => host.RunAsync(nameof(MarkupInATitleOrCommentShowsAsTextAndRunsNothing), async scenario =>
    {
        const string Title = "<img src=x onerror=\"window.__pwned=1\"><b>bold</b>";
        const string Comment = "<script>window.__pwned=2</script><i>hi</i> <img src=y onerror=\"window.__pwned=3\">";
        var page = await scenario.SignInAsync(Scenario.NewLogin("xss"));

        await CreateRoomAsync(page, Title);
        await page.GetByLabel("Comment", new() { Exact = true }).FillAsync(Comment);
        await page.Locator("form.comment-form").Last.GetByRole(AriaRole.Button, new() { Name = "Comment" }).ClickAsync();
        await Expect(page.Locator("li.comment p.content")).ToHaveTextAsync(Comment);
        await Expect(page.Locator("#room-title")).ToHaveTextAsync(Title);
        await AssertNothingRanAsync(page);
        await page.GotoAsync("/");
        await Expect(page.Locator("li.card a.card-title", new() { HasText = "bold" }).First).ToHaveTextAsync(Title);
        await AssertNothingRanAsync(page);
    });

    [Fact]
    public Task AReconnectedClientResumesTheAlarmsItMissed() => host.RunAsync(nameof(AReconnectedClientResumesTheAlarmsItMissed), async scenario =>
    {
        var login = Scenario.NewLogin("rec");
        var page = await scenario.OpenAsync(login);
        var sockets = new List<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        await page.RouteWebSocketAsync(new Regex("/hubs/partner"), socket =>
        {
            var server = socket.ConnectToServer();
            lock (sockets) { sockets.Add((socket, server)); }
        });
        await Scenario.SignInAsync(page, login);
        var roomId = await CreateRoomAsync(page, "Resume " + Guid.NewGuid().ToString("N")[..6]);
        await Expect(page.Locator("header .offline")).ToHaveCountAsync(0);

        // Drop the live connection and keep the client from reconnecting while someone joins.
        await page.RouteAsync("**/hubs/partner/negotiate**", route => route.AbortAsync());
        (IWebSocketRoute Page, IWebSocketRoute Server)[] open;
        lock (sockets) { open = [.. sockets]; }
        foreach (var (pageSide, serverSide) in open)
        {
            await serverSide.CloseAsync();
            await pageSide.CloseAsync();
        }

        await Expect(page.Locator("header .offline")).ToBeVisibleAsync();
        var guest = await host.Api.SignInAsync(Scenario.NewLogin("gst"));
        var joined = await guest.Http.PutAsync($"/api/rooms/{roomId}/participants/me", null);
        Assert.True(joined.IsSuccessStatusCode, $"join: {(int)joined.StatusCode}");
        var ownerHttp = await host.Api.SignInAsync(login);
        await EventuallyAsync(async () => (await ownerHttp.Http.GetStringAsync("/api/alarms")).Contains("ROOM_JOINED", StringComparison.Ordinal));
        await Expect(page.Locator("header .unread-count")).ToHaveTextAsync("0");

        await page.UnrouteAsync("**/hubs/partner/negotiate**");
        await Expect(page.Locator("header .offline")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Expect(page.Locator("header .unread-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("h2 .count")).ToHaveTextAsync("2/4");
    });

    [Fact]
    public Task AFirstLiveConnectionThatFailsIsTriedAgain() => host.RunAsync(nameof(AFirstLiveConnectionThatFailsIsTriedAgain), async scenario =>
    {
        var login = Scenario.NewLogin("fst");
        var page = await scenario.OpenAsync(login);
        await page.RouteAsync("**/hubs/partner/negotiate**", route => route.AbortAsync());
        await Scenario.SignInAsync(page, login);
        var roomId = await CreateRoomAsync(page, "Retry " + Guid.NewGuid().ToString("N")[..6]);
        await Expect(page.Locator("header .offline")).ToBeVisibleAsync();

        // The page never connected, so only its own retries can bring the pushes.
        await page.UnrouteAsync("**/hubs/partner/negotiate**");
        await Expect(page.Locator("header .offline")).ToHaveCountAsync(0);
        var guest = await host.Api.SignInAsync(Scenario.NewLogin("gst"));
        Assert.True((await guest.Http.PutAsync($"/api/rooms/{roomId}/participants/me", null)).IsSuccessStatusCode);
        await Expect(page.Locator("h2 .count")).ToHaveTextAsync("2/4");
    });

    [Fact]
    public Task AnOwnerDiscussesEditsCompletesReviewsAndLeavesForGood() => host.RunAsync(nameof(AnOwnerDiscussesEditsCompletesReviewsAndLeavesForGood), async scenario =>
    {
        var guestLogin = Scenario.NewLogin("gst");
        var page = await scenario.SignInAsync(Scenario.NewLogin("own"));
        var roomId = await CreateRoomAsync(page, "Dinner plan");
        var guest = await host.Api.SignInAsync(guestLogin);
        Assert.True((await guest.Http.PutAsync($"/api/rooms/{roomId}/participants/me", null)).IsSuccessStatusCode);
        await Expect(page.Locator("h2 .count")).ToHaveTextAsync("2/4");

        await page.GetByLabel("Comment", new() { Exact = true }).FillAsync("First");
        await page.Locator("form.comment-form").Last.GetByRole(AriaRole.Button, new() { Name = "Comment" }).ClickAsync();
        var first = page.Locator("li.comment", new() { HasText = "First" });
        await first.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        var replyForm = page.Locator("li.replies form.comment-form");
        await replyForm.Locator("textarea").FillAsync("A reply");
        await replyForm.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        await Expect(page.Locator("li.replies li.comment p.content")).ToHaveTextAsync("A reply");
        await first.First.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await page.Locator("li.comment form.comment-form textarea").FillAsync("First, edited");
        await page.Locator("li.comment form.comment-form").GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("li.comment p.content").First).ToHaveTextAsync("First, edited");
        await page.Locator("li.replies li.comment").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.Locator("li.comment")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Dinner plan");
        await page.GetByLabel("Title").FillAsync("Dinner plan, moved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#room-title")).ToHaveTextAsync("Dinner plan, moved");

        await page.GetByRole(AriaRole.Button, new() { Name = "Complete match" }).ClickAsync();
        await Expect(page.Locator("ul.members li")).ToHaveCountAsync(2);
        await page.GetByLabel(guestLogin).SelectOptionAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.GetByText("You reviewed this match.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "My matches" }).ClickAsync();
        await Expect(page.Locator("li.card")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        await Expect(page.Locator("dd.score")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"));
        await page.GetByLabel("E-mail").FillAsync("me@localhost");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change e-mail" }).ClickAsync();
        await Expect(page.Locator("#email-error")).ToBeVisibleAsync();
        await page.GetByLabel("E-mail").FillAsync("me@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change e-mail" }).ClickAsync();
        await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
        await Expect(page.Locator("#email-error")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw" }).ClickAsync();
        await Expect(page.Locator("header .who")).ToHaveCountAsync(0);
        await Expect(page.Locator("#rooms-heading")).ToBeVisibleAsync();
    });

    [Fact]
    public Task AxeFindsNoSeriousOrCriticalViolations() => host.RunAsync(nameof(AxeFindsNoSeriousOrCriticalViolations), async scenario =>
    {
        var page = await scenario.SignInAsync(Scenario.NewLogin("axe"));
        await CreateRoomAsync(page, "Accessible dinner");
        await page.GetByLabel("Comment", new() { Exact = true }).FillAsync("Count me in");
        await page.Locator("form.comment-form").Last.GetByRole(AriaRole.Button, new() { Name = "Comment" }).ClickAsync();
        await Expect(page.Locator("li.comment")).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page, "room page");
        await page.GotoAsync("/rooms/new");
        await page.GetByLabel("Title").FillAsync(" ");
        await page.GetByLabel("Content").FillAsync("x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.Locator("#title-error")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page, "room form with errors");
        await page.GetByRole(AriaRole.Link, new() { Name = "Random match" }).ClickAsync();
        await Expect(page.Locator(".waiting-count")).ToHaveTextAsync("0");
        await AssertAccessibleAsync(page, "random match");

        await page.GetByLabel("Language").SelectOptionAsync("ko");
        await page.GetByRole(AriaRole.Link, new() { Name = "방 목록" }).ClickAsync();
        await Expect(page.Locator("#rooms-heading")).ToHaveTextAsync("방 목록");
        Assert.Equal("ko", await page.EvaluateAsync<string>("() => document.documentElement.lang"));
        await AssertAccessibleAsync(page, "room list in Korean");
        await page.ReloadAsync();
        await Expect(page.Locator("#rooms-heading")).ToHaveTextAsync("방 목록");
    });

    /// <summary>Fills the create form (MEAL, capacity 4) and waits for the room page; returns the room id.</summary>
    internal static async Task<string> CreateRoomAsync(IPage page, string title)
    {
        await page.GotoAsync("/rooms/new");
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Content").FillAsync("Meet at the cluster entrance.");
        await page.GetByLabel("Capacity").FillAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.Locator("#room-title")).ToHaveTextAsync(title);
        return new Uri(page.Url).AbsolutePath.Split('/')[^1];
    }

    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        // Only violations come back: gathering the passes of every node is most of axe's time here.
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
            ResultTypes = [ResultType.Violations],
        });
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToArray();
        Assert.True(serious.Length == 0, $"{what}: " + string.Join("; ", serious.Select(v => $"{v.Id} ({v.Impact}): {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }

    private static async Task AssertNothingRanAsync(IPage page)
    {
        Assert.Equal(0, await page.Locator("main img, main b, main i, main script").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public Task AnAdminOpensTheOrleansDashboardFromTheProfile() => host.RunAsync(nameof(AnAdminOpensTheOrleansDashboardFromTheProfile), async scenario =>
    {
        var page = await scenario.SignInAsync(PartnerApiFactory.AdminLogins[0]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Orleans dashboard" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/$"));
        await Expect(page.GetByText("Active Silos").First).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync([host.BaseUrl + "/dashboard/"]);
        Assert.Contains(cookies, c => c.Name == "partner_dashboard" && c.HttpOnly && c.Path == "/dashboard");
    });
}
