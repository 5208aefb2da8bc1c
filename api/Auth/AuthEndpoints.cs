using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Partner.Api.Hosting;
using Partner.Api.Users;
using Partner.Users;

namespace Partner.Api.Auth;

public static class AuthEndpoints
{
    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth").RequireRateLimiting(RateLimits.Auth);
        auth.MapGet("/login/42", LoginWithIntra).WithSummary("Redirects to 42 intra (authorization code + PKCE + state).");
        auth.MapPost("/dev-login", DevLogin).WithSummary("Signs in by login without 42 intra; only when Auth:DevLogin is on.");
        auth.MapPost("/refresh", Refresh).WithSummary("Rotates the refresh token (cookie or body) and issues a new access token.");
        auth.MapPost("/logout", Logout).RequireAuthorization().WithSummary("Revokes this session's refresh-token family.");
        return auth;
    }

    private static async Task<Ok<SignedInDto>> DevLogin(
        DevLoginRequest request, HttpResponse response, IGrainFactory grains, SessionIssuer issuer, IOptions<AuthOptions> options, IOptions<AdminOptions> admins)
    {
        if (options.Value.DevLogin != true)
        {
            throw Errors.Disabled("Dev login is disabled (Auth:DevLogin).");
        }

        var login = request.Login!.ToLowerInvariant();
        var user = await grains.GetGrain<IUserAccountGrain>(UserAccounts.Dev(login)).SignIn(new SignIn(login, null, null, null, options.Value.DevLoginGrantsAdmin && admins.Value.IsAdmin(login)));
        var session = await issuer.StartAsync(user);
        RefreshCookie.Set(response, session);
        return TypedResults.Ok(new SignedInDto(session.AccessToken, session.ExpiresIn, UserDto.From(user)));
    }

    private static async Task<Results<Ok<AccessTokenDto>, ProblemHttpResult>> Refresh(HttpRequest request, HttpResponse response, SessionIssuer issuer)
    {
        var token = await RefreshTokenOf(request);
        try
        {
            var session = await issuer.RefreshAsync(token ?? "");
            RefreshCookie.Set(response, session);
            return TypedResults.Ok(new AccessTokenDto(session.AccessToken, session.ExpiresIn));
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.RefreshInvalid)
        {
            // Answered here, not thrown: the exception handler would drop the cookie's deletion with the other headers.
            RefreshCookie.Clear(response);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["code"] = ex.Code });
        }
    }

    private static async Task<NoContent> Logout(CurrentUser me, HttpRequest request, HttpResponse response, SessionIssuer issuer, SessionGate sessions)
    {
        if (me.SessionId is { } sessionId)
        {
            await issuer.EndAsync(me.UserId, sessionId);
            sessions.Forget(sessionId);
        }

        // A refresh token held separately (e.g. a body-form client) ends too, if it is this user's.
        if (SessionIssuer.TryReadRefreshToken(await RefreshTokenOf(request), out var userId, out var familyId, out _) && userId == me.UserId && familyId != me.SessionId)
        {
            await issuer.EndAsync(userId, familyId);
            sessions.Forget(familyId);
        }

        RefreshCookie.Clear(response);
        return TypedResults.NoContent();
    }

    private static ChallengeHttpResult LoginWithIntra(
        string? returnUrl, ReturnUrls returnUrls, IOptions<AuthOptions> options)
    {
        if (!options.Value.Intra.IsConfigured)
        {
            throw Errors.Disabled("42 intra login is not configured (Auth:Intra:ClientId, Auth:Intra:ClientSecret).");
        }

        if (returnUrl is not null && !returnUrls.IsAllowed(returnUrl))
        {
            throw Errors.Validation("returnUrl", $"returnUrl must be a path on this site (/…) or a URL on an allowed origin (Auth:ReturnUrls:AllowedOrigins): percent-encoded ASCII, no fragment, at most {ReturnUrls.MaxLength} characters.");
        }

        var properties = new AuthenticationProperties();
        properties.Items[IntraLogin.ReturnUrlItem] = returnUrl ?? returnUrls.Default;
        return TypedResults.Challenge(properties, [IntraLogin.Scheme]);
    }

    /// <summary>The cookie first; the body form <c>{refreshToken}</c> for clients that cannot keep cookies.</summary>
    private static async Task<string?> RefreshTokenOf(HttpRequest request)
    {
        if (RefreshCookie.Read(request) is { Length: > 0 } cookie)
        {
            return cookie;
        }

        if (request.HasJsonContentType())
        {
            try
            {
                var body = await request.ReadFromJsonAsync<RefreshRequest>();
                return body?.RefreshToken;
            }
            catch (System.Text.Json.JsonException ex)
            {
                // As for a bound body: the exception handler names the field from the JSON path ("body" when the JSON itself is broken).
                throw new BadHttpRequestException("The request body is not valid JSON.", ex);
            }
        }

        return null;
    }
}

public sealed record DevLoginRequest(
    [property: Required, RegularExpression("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", ErrorMessage = "login is 1 to 32 letters, digits, '-' or '_'.")] string? Login);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record SignedInDto(string AccessToken, int ExpiresIn, UserDto User);

public sealed record AccessTokenDto(string AccessToken, int ExpiresIn);
