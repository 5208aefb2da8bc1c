using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using Partner.Tests.Api;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Browser;

/// <summary>
/// One API (embedded default, on a real loopback port: the browser needs TCP) and one headless Debian Chromium per collection;
/// each test opens its own browser contexts, one per user.
/// </summary>
public class BrowserHost : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public PartnerApiFactory Api { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Expectations wait like actions do (Playwright's own default is 5 s): a loaded CI machine renders slower.
        Assertions.SetDefaultExpectTimeout(15_000);
        var port = FreePort.Next();
        Api = new PartnerApiFactory { Settings = Settings, Dashboard = true };
        Api.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        Api.StartServer();
        BaseUrl = $"http://127.0.0.1:{port}";
        // The first answers of a fresh host are slow (JIT, the silo's first activations): not the first scenario's budget.
        using (var warmUp = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) })
        {
            foreach (var path in new[] { "/", "/app/app.js", "/app/app.css", "/api/categories", "/api/rooms" })
            {
                (await warmUp.GetAsync(path)).EnsureSuccessStatusCode();
            }
        }

        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }
    }

    /// <summary>Runs a scenario; when it fails, every page it opened leaves a screenshot and its console log under artifacts/browser.</summary>
    public async Task RunAsync(string name, Func<Scenario, Task> body)
    {
        await using var scenario = new Scenario(this);
        try
        {
            await body(scenario);
            Assert.True(scenario.PageErrors.Count == 0, "uncaught errors in the page: " + string.Join(" | ", scenario.PageErrors));
        }
        catch
        {
            await scenario.SaveArtifactsAsync(name);
            throw;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserHost>
{
    public const string Name = "Browser";
}

/// <summary>Access tokens that live three seconds: requests meet 401 and the client must refresh.</summary>
public sealed class ShortTokenBrowserHost : BrowserHost
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Auth:Jwt:AccessTokenLifetime"] = "00:00:03",
        ["Auth:Jwt:ClockSkew"] = "00:00:00",
    };
}

[CollectionDefinition(Name)]
public sealed class ShortTokenBrowserCollection : ICollectionFixture<ShortTokenBrowserHost>
{
    public const string Name = "Browser (short access tokens)";
}

/// <summary>The users (browser contexts) of one test.</summary>
public sealed class Scenario(BrowserHost host) : IAsyncDisposable
{
    private readonly List<(string Login, IBrowserContext Context, IPage Page, List<string> Console)> users = [];

    public List<string> PageErrors { get; } = [];

    public string BaseUrl => host.BaseUrl;

    /// <summary>
    /// A new browser context (own cookies and memory) on the room list, English UI, in the school's time zone as its
    /// students' browsers are (the form's default date is the browser's today; on a UTC machine it is the school's
    /// yesterday from 15:00 UTC on).
    /// </summary>
    public async Task<IPage> OpenAsync(string login)
    {
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", TimezoneId = "Asia/Seoul", BaseURL = host.BaseUrl, ViewportSize = new() { Width = 1100, Height = 900 } });
        // Generous for a shared 2-core machine; a passing scenario waits far less.
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => { lock (console) { console.Add($"[{message.Type}] {message.Text}"); } };
        page.PageError += (_, error) => { lock (PageErrors) { PageErrors.Add($"{login}: {error}"); } lock (console) { console.Add($"[pageerror] {error}"); } };
        users.Add((login, context, page, console));
        return page;
    }

    /// <summary>Opens a context and signs in through the dev-login form.</summary>
    public async Task<IPage> SignInAsync(string login)
    {
        var page = await OpenAsync(login);
        await SignInAsync(page, login);
        return page;
    }

    public static async Task SignInAsync(IPage page, string login)
    {
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Login", new() { Exact = true }).FillAsync(login);
        await page.Locator("form").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("header .who")).ToHaveTextAsync(login);
        await Assertions.Expect(page.Locator("#rooms-heading")).ToBeVisibleAsync();
    }

    public static string NewLogin(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    public async Task SaveArtifactsAsync(string name)
    {
        var directory = Path.Combine(TestEnvironment.RepoRoot, "artifacts", "browser");
        Directory.CreateDirectory(directory);
        foreach (var (login, _, page, console) in users)
        {
            var file = Path.Combine(directory, $"{name}-{login}");
            try
            {
                await page.ScreenshotAsync(new() { Path = file + ".png", FullPage = true });
            }
            catch (PlaywrightException)
            {
                // A closed page has no screenshot; its console log is still written.
            }

            lock (console)
            {
                File.WriteAllText(file + ".console.log", $"url: {page.Url}\n" + string.Join('\n', console), new UTF8Encoding(false));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, context, _, _) in users)
        {
            await context.CloseAsync();
        }
    }
}
