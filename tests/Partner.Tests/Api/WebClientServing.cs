using System.Net;
using System.Text.RegularExpressions;
using Partner.Api.Hosting;

namespace Partner.Tests.Api;

/// <summary>The web client at <c>/</c>: its page under the HTML policy with nothing inline, its bundle, and its own paths answered by the same page.</summary>
public sealed partial class WebClientServing(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task ThePageLoadsOnlyItsOwnScriptAndStyleUnderThePolicy()
    {
        var response = await factory.CreateClient().GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("""<script type="module" src="/app/app.js"></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""<link rel="icon" href="data:,">""", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(InlineScriptOrStyle(), html);
    }

    [Theory]
    [InlineData("/app/app.js", "text/javascript")]
    [InlineData("/app/app.css", "text/css")]
    public async Task TheBundleBuiltFromWebIsServed(string path, string mediaType)
    {
        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Theory]
    [InlineData("/rooms/new")]
    [InlineData("/rooms/3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("/matches/3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("/random")]
    [InlineData("/alarms")]
    [InlineData("/me")]
    public async Task TheClientsOwnPathsAnswerThePage(string path)
    {
        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("/app/app.js", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task UnknownApiPathsAndOtherMethodsStayProblems()
    {
        var client = factory.CreateClient();

        var unknown = await client.GetAsync("/api/rooms-nope");
        var posted = await client.PostAsync("/me", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, posted.StatusCode);
    }

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>|<style|\\sstyle=|\\son[a-z]+=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScriptOrStyle();
}
