using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.Extensions.Options;
using Partner.Silo.Hosting;
using Partner.Users;

namespace Partner.Api.Auth;

/// <summary>
/// 42 intra sign-in through ASP.NET Core's OAuth handler (authorization code + PKCE + state). The
/// callback ends here: the user is found or created, the refresh cookie set, and the browser sent
/// back to its allowed return URL with the access token in the fragment, or with an error there.
/// </summary>
public static partial class IntraLogin
{
    public const string Scheme = "42";
    public const string CallbackPath = "/api/auth/callback/42";
    internal const string ReturnUrlItem = "returnUrl";

    private const string IdClaim = "intra:id";
    private const string LoginClaim = "intra:login";
    private const string EmailClaim = "intra:email";
    private const string ImageClaim = "intra:image";

    private const string PublicBaseUrlKey = "Auth:PublicBaseUrl (environment Auth__PublicBaseUrl)";
    private static readonly SearchValues<char> BaseUrlCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:/[]");

    /// <summary>Start-up check of <c>Auth:PublicBaseUrl</c>: well-formed when set, and set in production when 42 login is configured.</summary>
    public static void RequirePublicBaseUrl(AuthOptions auth, PartnerMode mode)
    {
        if (string.IsNullOrWhiteSpace(auth.PublicBaseUrl))
        {
            if (mode == PartnerMode.Production && auth.Intra.IsConfigured)
            {
                throw new InvalidOperationException(
                    $"Partner:Mode is Production and 42 intra login is configured, but {PublicBaseUrlKey} is missing: set the API's public base URL as browsers reach it, e.g. https://partner.example.");
            }

            return;
        }

        if (PublicBaseUrlOf(auth.PublicBaseUrl) is null)
        {
            throw new InvalidOperationException(
                $"{PublicBaseUrlKey} must be an absolute http(s) URL without path, query, fragment or user info, e.g. https://partner.example (was '{auth.PublicBaseUrl}').");
        }
    }

    /// <summary>The redirect_uri registered at 42 intra, from <c>Auth:PublicBaseUrl</c>; null when it is not set.</summary>
    public static string? RedirectUri(AuthOptions auth) =>
        PublicBaseUrlOf(auth.PublicBaseUrl) is { } baseUrl ? baseUrl + CallbackPath : null;

    /// <summary><c>scheme://host[:port]</c> with an optional trailing <c>/</c>, normalized; null when it is anything more.</summary>
    private static string? PublicBaseUrlOf(string? configured)
    {
        if (string.IsNullOrEmpty(configured) || configured.AsSpan().ContainsAnyExcept(BaseUrlCharacters))
        {
            return null;
        }

        var url = configured.EndsWith('/') ? configured[..^1] : configured;
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var hasPath = schemeEnd < 0 || url.IndexOf('/', schemeEnd + 3) >= 0;
        return !hasPath && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
    }

    public static void Configure(OAuthOptions options, IntraSettings intra)
    {
        var baseUrl = intra.BaseUrl.TrimEnd('/');
        options.ClientId = intra.ClientId!;
        options.ClientSecret = intra.ClientSecret!;
        options.AuthorizationEndpoint = $"{baseUrl}/oauth/authorize";
        options.TokenEndpoint = $"{baseUrl}/oauth/token";
        options.UserInformationEndpoint = $"{baseUrl}/v2/me";
        options.CallbackPath = CallbackPath;
        options.UsePkce = true;
        options.Scope.Clear();
        options.Scope.Add(intra.Scope);
        // The provider sends the browser back with a top-level GET: Lax is enough and works on plain-HTTP development hosts.
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ClaimActions.MapJsonKey(IdClaim, "id");
        options.ClaimActions.MapJsonKey(LoginClaim, "login");
        options.ClaimActions.MapJsonKey(EmailClaim, "email");
        options.ClaimActions.MapJsonSubKey(ImageClaim, "image", "link");
        options.Events = new OAuthEvents
        {
            OnCreatingTicket = ReadProfileAsync,
            OnTicketReceived = SignInAsync,
            OnAccessDenied = context => FailAsync(context, context.Properties, "access_denied", "The sign-in was cancelled at 42 intra."),
            OnRemoteFailure = context => FailAsync(context, context.Properties, "login_failed", "42 intra sign-in failed; please try again."),
        };
    }

    private static async Task ReadProfileAsync(OAuthCreatingTicketContext context)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, context.Options.UserInformationEndpoint);
        request.Headers.Authorization = new("Bearer", context.AccessToken);
        using var response = await context.Backchannel.SendAsync(request, context.HttpContext.RequestAborted);
        response.EnsureSuccessStatusCode();
        using var profile = JsonDocument.Parse(await response.Content.ReadAsStringAsync(context.HttpContext.RequestAborted));
        context.RunClaimActions(profile.RootElement);
    }

    private static async Task SignInAsync(TicketReceivedContext context)
    {
        var services = context.HttpContext.RequestServices;
        var principal = context.Principal ?? new ClaimsPrincipal();
        var returnUrl = ReturnUrlOf(context.HttpContext, context.Properties);
        if (!long.TryParse(principal.FindFirstValue(IdClaim), out var intraId) || principal.FindFirstValue(LoginClaim) is not { Length: > 0 } login)
        {
            await FailAsync(context, context.Properties, "login_failed", "42 intra did not return a usable profile.");
            return;
        }

        var admins = services.GetRequiredService<IOptions<AdminOptions>>().Value;
        try
        {
            var user = await services.GetRequiredService<IGrainFactory>().GetGrain<IUserAccountGrain>(UserAccounts.Intra(intraId)).SignIn(
                new SignIn(login.ToLowerInvariant(), principal.FindFirstValue(EmailClaim), principal.FindFirstValue(ImageClaim), intraId, admins.IsAdmin(login)));
            var session = await services.GetRequiredService<SessionIssuer>().StartAsync(user);
            RefreshCookie.Set(context.Response, session);
            context.Response.Redirect(ReturnUrls.WithFragment(returnUrl,
            [
                new("access_token", session.AccessToken),
                new("token_type", "Bearer"),
                new("expires_in", session.ExpiresIn.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]));
            context.HandleResponse();
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.UserWithdrawn)
        {
            await FailAsync(context, context.Properties, "user_withdrawn", ex.Message);
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.Validation)
        {
            // A 42 profile Partner cannot register (e.g. a login with control characters): back to the client, not a bare 400.
            await FailAsync(context, context.Properties, "login_failed", ex.Message);
        }
    }

    private static Task FailAsync(HandleRequestContext<RemoteAuthenticationOptions> context, AuthenticationProperties? properties, string error, string description)
    {
        LogFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IntraLogin)), error, (context as RemoteFailureContext)?.Failure?.Message);
        // A failed exchange may lose the properties; the state in the query still carries them, protected.
        properties ??= context.Options is OAuthOptions oauth && context.Request.Query["state"] is [{ } state] ? oauth.StateDataFormat.Unprotect(state) : null;
        context.Response.Redirect(ReturnUrls.WithFragment(ReturnUrlOf(context.HttpContext, properties),
            [new("error", error), new("error_description", description)]));
        context.HandleResponse();
        return Task.CompletedTask;
    }

    /// <summary>The return URL saved at the challenge, re-checked; the configured default when the state was lost or forged.</summary>
    private static string ReturnUrlOf(HttpContext http, AuthenticationProperties? properties)
    {
        var returnUrls = http.RequestServices.GetRequiredService<ReturnUrls>();
        return properties?.Items.TryGetValue(ReturnUrlItem, out var saved) == true && returnUrls.IsAllowed(saved) ? saved! : returnUrls.Default;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "42 intra sign-in failed: {Error} ({Reason})")]
    private static partial void LogFailed(ILogger logger, string error, string? reason);
}
