using Microsoft.Extensions.Options;
using Partner.Api.Auth;

namespace Partner.Tests.Security;

/// <summary>The return-URL rule on its own, without a server: the bypass corpus, the accepted URLs, and the start-up checks.</summary>
public sealed class ReturnUrlRules
{
    private readonly ReturnUrls rule = new(Options.Create(new AuthOptions
    {
        ReturnUrls = new ReturnUrlSettings { AllowedOrigins = [.. OpenRedirectCorpus.AllowedOrigins] },
    }));

    [Theory]
    [MemberData(nameof(OpenRedirectCorpus.Bypasses), MemberType = typeof(OpenRedirectCorpus))]
    public void RefusesKnownBypasses(string returnUrl) => Assert.False(rule.IsAllowed(returnUrl));

    [Theory]
    [MemberData(nameof(OpenRedirectCorpus.Accepted), MemberType = typeof(OpenRedirectCorpus))]
    public void AcceptsPathsAndAllowedOrigins(string returnUrl) => Assert.True(rule.IsAllowed(returnUrl));

    [Fact]
    public void RefusesEveryControlWhitespaceAndNonAsciiCharacterAnywhere()
    {
        var refused = Enumerable.Range(0, 0x3000).Select(c => (char)c)
            .Where(c => char.IsControl(c) || char.IsWhiteSpace(c) || c > '\u007e')
            .Where(c => !char.IsSurrogate(c))
            .Where(c => rule.IsAllowed($"/rooms{c}x") || rule.IsAllowed($"{c}/rooms") || rule.IsAllowed($"https://partner.example/{c}"))
            .ToList();

        Assert.Empty(refused);
    }

    [Fact]
    public void WithoutAllowedOriginsOnlyPathsPass()
    {
        var pathsOnly = new ReturnUrls(Options.Create(new AuthOptions()));

        Assert.True(pathsOnly.IsAllowed("/after"));
        Assert.False(pathsOnly.IsAllowed("https://partner.example/after"));
    }

    [Theory]
    [InlineData("partner.example")]
    [InlineData("https://partner.example/app")]
    [InlineData("https://partner.example?x=1")]
    [InlineData("https://user@partner.example")]
    [InlineData("ftp://partner.example")]
    [InlineData("https://partner .example")]
    [InlineData("https://*.partner.example")]
    public void AMalformedAllowedOriginStopsStartUpNamingTheKey(string origin)
    {
        var settings = new ReturnUrlSettings { AllowedOrigins = ["https://ok.example", origin] };

        var error = Assert.Throws<InvalidOperationException>(() => ReturnUrls.Validate(settings));

        Assert.Contains("Auth:ReturnUrls:AllowedOrigins:1", error.Message);
    }

    [Theory]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/\t/evil.example")]
    public void ADefaultOutsideTheRuleStopsStartUpNamingTheKey(string fallback)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReturnUrls.Validate(new ReturnUrlSettings { Default = fallback }));

        Assert.Contains("Auth:ReturnUrls:Default", error.Message);
    }

    [Fact]
    public void ATrailingSlashOnAnAllowedOriginIsTolerated()
    {
        var settings = new ReturnUrlSettings { AllowedOrigins = ["https://partner.example/"], Default = "https://partner.example/home" };

        ReturnUrls.Validate(settings);
        Assert.True(new ReturnUrls(Options.Create(new AuthOptions { ReturnUrls = settings })).IsAllowed("https://partner.example/after"));
    }
}
