using Partner.Api.Auth;
using Partner.Silo.Hosting;

namespace Partner.Tests.Security;

/// <summary><c>Auth:PublicBaseUrl</c> on its own: the redirect_uri it gives, and the start-up checks.</summary>
public sealed class PublicBaseUrlRules
{
    [Theory]
    [InlineData("https://partner.example", "https://partner.example/api/auth/callback/42")]
    [InlineData("https://partner.example/", "https://partner.example/api/auth/callback/42")]
    [InlineData("https://Partner.Example:443", "https://partner.example/api/auth/callback/42")]
    [InlineData("http://localhost:5080", "http://localhost:5080/api/auth/callback/42")]
    public void GivesTheRedirectUri(string publicBaseUrl, string redirectUri)
    {
        var auth = new AuthOptions { PublicBaseUrl = publicBaseUrl };

        IntraLogin.RequirePublicBaseUrl(auth, PartnerMode.Production);
        Assert.Equal(redirectUri, IntraLogin.RedirectUri(auth));
    }

    [Theory]
    [InlineData("partner.example")]
    [InlineData("/api")]
    [InlineData("https://partner.example/api")]
    [InlineData("https://partner.example//")]
    [InlineData("https://partner.example?x=1")]
    [InlineData("https://partner.example#x")]
    [InlineData("https://user:secret@partner.example")]
    [InlineData("ftp://partner.example")]
    [InlineData("https://partner.example\t")]
    [InlineData("https://")]
    public void AMalformedOneStopsStartUpNamingTheKey(string publicBaseUrl)
    {
        var error = Assert.Throws<InvalidOperationException>(() => IntraLogin.RequirePublicBaseUrl(new AuthOptions { PublicBaseUrl = publicBaseUrl }, PartnerMode.Embedded));

        Assert.Contains("Auth:PublicBaseUrl", error.Message);
    }

    [Fact]
    public void IsRequiredOnlyInProductionWith42Login()
    {
        var with42 = new AuthOptions { Intra = new IntraSettings { ClientId = "id", ClientSecret = "secret" } };

        IntraLogin.RequirePublicBaseUrl(with42, PartnerMode.Embedded);
        IntraLogin.RequirePublicBaseUrl(new AuthOptions(), PartnerMode.Production);
        Assert.Null(IntraLogin.RedirectUri(with42));
        var error = Assert.Throws<InvalidOperationException>(() => IntraLogin.RequirePublicBaseUrl(with42, PartnerMode.Production));
        Assert.Contains("Auth:PublicBaseUrl", error.Message);
    }
}
