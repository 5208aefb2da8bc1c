using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.Extensions.Options;

namespace Partner.Api.Auth;

/// <summary>
/// ASP.NET Core's OAuth handler with the redirect_uri taken from <c>Auth:PublicBaseUrl</c> when it is set:
/// the stock handler builds it from the request's scheme and Host header, which the client chooses.
/// </summary>
public sealed class IntraLoginHandler(IOptionsMonitor<OAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : OAuthHandler<OAuthOptions>(options, logger, encoder)
{
    private readonly string? configuredRedirectUri = IntraLogin.RedirectUri(auth.Value);

    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri) =>
        base.BuildChallengeUrl(properties, configuredRedirectUri ?? redirectUri);

    protected override Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context) =>
        base.ExchangeCodeAsync(configuredRedirectUri is null ? context : new OAuthCodeExchangeContext(context.Properties, context.Code, configuredRedirectUri));
}
