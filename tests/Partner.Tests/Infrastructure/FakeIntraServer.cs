using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Partner.Tests.Infrastructure;

/// <summary>The 42 intra profile a fake authorization binds to.</summary>
public sealed record FakeIntraUser(long Id, string Login, string Email, string? ImageUrl)
{
    public static FakeIntraUser Alice { get; } =
        new(12345, "alice", "alice@student.42seoul.kr", "https://cdn.intra.42.fr/users/alice.jpg");

    /// <summary>The <c>displayname</c> to return; defaults to the login with a capital first letter.</summary>
    public string? DisplayName { get; init; }

    internal string EffectiveDisplayName =>
        DisplayName ?? (Login.Length == 0 ? Login : char.ToUpperInvariant(Login[0]) + Login[1..]);
}

/// <summary>
/// A local stand-in for 42 intra's OAuth 2.0 server (authorization code + PKCE S256) and <c>GET /v2/me</c>,
/// served by Kestrel on 127.0.0.1 and a free port.
/// </summary>
public sealed class FakeIntraServer : IAsyncDisposable
{
    public const string TestClientId = "partner-test-client";
    public const string TestClientSecret = "partner-test-secret";
    public const int AccessTokenLifetimeSeconds = 7200;

    private const string DefaultScope = "public";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    // RFC 7636 section 4.1: code_verifier and an S256 code_challenge use only these characters, 43 to 128 of them.
    private static readonly SearchValues<char> PkceCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, PendingAuthorization> codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeIntraUser> accessTokens = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly List<string> receivedCodeVerifiers = [];
    private readonly List<string> issuedAccessTokens = [];

    private volatile FakeIntraUser nextUser = FakeIntraUser.Alice;
    private volatile bool denyConsent;
    private volatile bool failTokenEndpoint;
    private volatile bool failProfileEndpoint;
    private volatile string? lastAuthorizeState;
    private volatile string? lastRedirectUri;
    private volatile string? lastTokenRedirectUri;
    private volatile string? lastScope;
    private volatile string? lastCodeChallenge;
    private int authorizeRequests;
    private int tokenRequests;
    private int profileRequests;
    private int disposed;

    private FakeIntraServer()
    {
        // The empty builder reads no appsettings.json or ASPNETCORE_* variables that the test process may carry for the API.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();

        app = builder.Build();
        app.MapGet("/oauth/authorize", Authorize);
        // Cast so the route handler writes the IResult instead of binding the method as a RequestDelegate.
        app.MapPost("/oauth/token", (Delegate)TokenAsync);
        app.MapGet("/v2/me", Me);
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>, without a trailing slash; use it as the intra base URL.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public string ClientId => TestClientId;

    public string ClientSecret => TestClientSecret;

    public string AuthorizationEndpoint => BaseUrl + "/oauth/authorize";

    public string TokenEndpoint => BaseUrl + "/oauth/token";

    public string UserInformationEndpoint => BaseUrl + "/v2/me";

    /// <summary>The profile the next <c>/oauth/authorize</c> binds to (captured when the code is issued).</summary>
    public FakeIntraUser NextUser
    {
        get => nextUser;
        set => nextUser = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>When true, <c>/oauth/authorize</c> redirects back with <c>error=access_denied</c>.</summary>
    public bool DenyConsent
    {
        get => denyConsent;
        set => denyConsent = value;
    }

    /// <summary>When true, <c>/oauth/token</c> answers 500 with a plain-text body.</summary>
    public bool FailTokenEndpoint
    {
        get => failTokenEndpoint;
        set => failTokenEndpoint = value;
    }

    /// <summary>When true, <c>/v2/me</c> answers 500 with a plain-text body.</summary>
    public bool FailProfileEndpoint
    {
        get => failProfileEndpoint;
        set => failProfileEndpoint = value;
    }

    public int AuthorizeRequests => Volatile.Read(ref authorizeRequests);

    public int TokenRequests => Volatile.Read(ref tokenRequests);

    public int ProfileRequests => Volatile.Read(ref profileRequests);

    public string? LastAuthorizeState => lastAuthorizeState;

    public string? LastRedirectUri => lastRedirectUri;

    /// <summary>The <c>redirect_uri</c> of the last <c>/oauth/token</c> request, valid or not.</summary>
    public string? LastTokenRedirectUri => lastTokenRedirectUri;

    public string? LastScope => lastScope;

    public string? LastCodeChallenge => lastCodeChallenge;

    /// <summary>Every <c>code_verifier</c> posted to <c>/oauth/token</c>, in order, valid or not.</summary>
    public IReadOnlyList<string> ReceivedCodeVerifiers
    {
        get
        {
            lock (gate)
            {
                return [.. receivedCodeVerifiers];
            }
        }
    }

    /// <summary>Every access token issued, in order.</summary>
    public IReadOnlyList<string> IssuedAccessTokens
    {
        get
        {
            lock (gate)
            {
                return [.. issuedAccessTokens];
            }
        }
    }

    public static async Task<FakeIntraServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new FakeIntraServer();
        try
        {
            await server.app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
                ?? throw new InvalidOperationException("Kestrel did not report its bound address.");
            server.BaseUrl = addresses.Single().TrimEnd('/');
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Forgets codes, tokens and observations and restores the default user and switches, for a shared server.</summary>
    public void Reset()
    {
        NextUser = FakeIntraUser.Alice;
        DenyConsent = false;
        FailTokenEndpoint = false;
        FailProfileEndpoint = false;
        codes.Clear();
        accessTokens.Clear();
        lock (gate)
        {
            receivedCodeVerifiers.Clear();
            issuedAccessTokens.Clear();
        }

        Interlocked.Exchange(ref authorizeRequests, 0);
        Interlocked.Exchange(ref tokenRequests, 0);
        Interlocked.Exchange(ref profileRequests, 0);
        lastAuthorizeState = null;
        lastRedirectUri = null;
        lastTokenRedirectUri = null;
        lastScope = null;
        lastCodeChallenge = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private IResult Authorize(HttpContext context)
    {
        Interlocked.Increment(ref authorizeRequests);
        var query = context.Request.Query;
        string? redirectUri = query["redirect_uri"];
        string? state = query["state"];
        string? scope = query["scope"];
        string? codeChallenge = query["code_challenge"];
        lastAuthorizeState = state;
        lastRedirectUri = redirectUri;
        lastScope = scope;
        lastCodeChallenge = codeChallenge;

        if (!string.Equals(query["client_id"], TestClientId, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client", "Unknown client_id.");
        }

        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var parsedRedirect)
            || (parsedRedirect.Scheme != Uri.UriSchemeHttp && parsedRedirect.Scheme != Uri.UriSchemeHttps))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_redirect_uri", "redirect_uri must be an absolute http(s) URI.");
        }

        if (!string.Equals(query["response_type"], "code", StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "unsupported_response_type", "response_type must be 'code'.");
        }

        if (codeChallenge is null || !IsPkceValue(codeChallenge))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "code_challenge is required.");
        }

        if (!string.Equals(query["code_challenge_method"], "S256", StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "code_challenge_method must be 'S256'.");
        }

        if (denyConsent)
        {
            return Results.Redirect(AppendToRedirect(redirectUri!, state,
                ("error", "access_denied"),
                ("error_description", "The user denied access")));
        }

        var code = NewOpaqueValue();
        codes[code] = new PendingAuthorization(redirectUri!, codeChallenge, nextUser, string.IsNullOrWhiteSpace(scope) ? DefaultScope : scope);
        return Results.Redirect(AppendToRedirect(redirectUri!, state, ("code", code)));
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        Interlocked.Increment(ref tokenRequests);
        if (!context.Request.HasFormContentType)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "Expected an application/x-www-form-urlencoded body.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        lastTokenRedirectUri = form["redirect_uri"];
        string? codeVerifier = form["code_verifier"];
        if (codeVerifier is not null)
        {
            lock (gate)
            {
                receivedCodeVerifiers.Add(codeVerifier);
            }
        }

        if (failTokenEndpoint)
        {
            return Results.Text("Simulated 42 intra failure at /oauth/token.", "text/plain", statusCode: StatusCodes.Status500InternalServerError);
        }

        if (!TryReadClientCredentials(context.Request, form, out var clientId, out var clientSecret)
            || !string.Equals(clientId, TestClientId, StringComparison.Ordinal)
            || !string.Equals(clientSecret, TestClientSecret, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed.");
        }

        if (!string.Equals(form["grant_type"], "authorization_code", StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "unsupported_grant_type", "grant_type must be 'authorization_code'.");
        }

        // Removed on first presentation, so a replayed code fails even if the first exchange failed.
        string? code = form["code"];
        if (string.IsNullOrEmpty(code) || !codes.TryRemove(code, out var pending))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_grant", "The authorization code is invalid, expired or already used.");
        }

        if (!string.Equals(form["redirect_uri"], pending.RedirectUri, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_grant", "redirect_uri does not match the authorization request.");
        }

        if (codeVerifier is null || !IsPkceValue(codeVerifier)
            || !string.Equals(S256(codeVerifier), pending.CodeChallenge, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_grant", "code_verifier does not match the code_challenge.");
        }

        var accessToken = NewOpaqueValue();
        accessTokens[accessToken] = pending.User;
        lock (gate)
        {
            issuedAccessTokens.Add(accessToken);
        }

        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return Results.Json(new TokenResponse(
            accessToken,
            "bearer",
            AccessTokenLifetimeSeconds,
            pending.Scope,
            DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    }

    private IResult Me(HttpContext context)
    {
        Interlocked.Increment(ref profileRequests);
        if (failProfileEndpoint)
        {
            return Results.Text("Simulated 42 intra failure at /v2/me.", "text/plain", statusCode: StatusCodes.Status500InternalServerError);
        }

        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var authorization)
            || !string.Equals(authorization.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            || authorization.Parameter is null
            || !accessTokens.TryGetValue(authorization.Parameter, out var user))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"Doorkeeper\", error=\"invalid_token\"";
            return Error(StatusCodes.Status401Unauthorized, "invalid_token", "The access token is invalid.");
        }

        return Results.Json(ProfileResponse.From(user));
    }

    private static bool TryReadClientCredentials(HttpRequest request, IFormCollection form, out string? clientId, out string? clientSecret)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var authorization)
            && string.Equals(authorization.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            clientId = null;
            clientSecret = null;
            if (authorization.Parameter is null)
            {
                return false;
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization.Parameter));
            }
            catch (FormatException)
            {
                return false;
            }

            var separator = decoded.IndexOf(':', StringComparison.Ordinal);
            if (separator < 0)
            {
                return false;
            }

            // RFC 6749 section 2.3.1: both halves are form-urlencoded before they are joined.
            clientId = FormDecode(decoded[..separator]);
            clientSecret = FormDecode(decoded[(separator + 1)..]);
            return true;
        }

        clientId = form["client_id"];
        clientSecret = form["client_secret"];
        return clientId is not null && clientSecret is not null;
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static string AppendToRedirect(string redirectUri, string? state, params (string Name, string Value)[] parameters)
    {
        var query = parameters.Select(p => KeyValuePair.Create(p.Name, (string?)p.Value)).ToList();
        if (state is not null)
        {
            query.Add(KeyValuePair.Create("state", (string?)state));
        }

        return QueryHelpers.AddQueryString(redirectUri, query);
    }

    private static bool IsPkceValue(string value) =>
        value.Length is >= 43 and <= 128 && !value.AsSpan().ContainsAnyExcept(PkceCharacters);

    private static string S256(string codeVerifier) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(codeVerifier)));

    private static string NewOpaqueValue() => RandomNumberGenerator.GetHexString(64, lowercase: true);

    private static IResult Error(int statusCode, string error, string description) =>
        Results.Json(new ErrorResponse(error, description), statusCode: statusCode);

    private sealed record PendingAuthorization(string RedirectUri, string CodeChallenge, FakeIntraUser User, string Scope);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("scope")] string Scope,
        [property: JsonPropertyName("created_at")] long CreatedAt);

    private sealed record ErrorResponse(
        [property: JsonPropertyName("error")] string Error,
        [property: JsonPropertyName("error_description")] string ErrorDescription);

    // A subset of the real /v2/me document, with its snake_case and "staff?"-style names.
    private sealed record ProfileResponse(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("email")] string Email,
        [property: JsonPropertyName("login")] string Login,
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("displayname")] string DisplayName,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("image")] ProfileImage Image,
        [property: JsonPropertyName("staff?")] bool Staff,
        [property: JsonPropertyName("active?")] bool Active)
    {
        public static ProfileResponse From(FakeIntraUser user) => new(
            user.Id,
            user.Email,
            user.Login,
            "https://api.intra.42.fr/v2/users/" + Uri.EscapeDataString(user.Login),
            user.EffectiveDisplayName,
            "student",
            new ProfileImage(user.ImageUrl, new ProfileImageVersions(user.ImageUrl, user.ImageUrl, user.ImageUrl, user.ImageUrl)),
            Staff: false,
            Active: true);
    }

    private sealed record ProfileImage(
        [property: JsonPropertyName("link")] string? Link,
        [property: JsonPropertyName("versions")] ProfileImageVersions Versions);

    private sealed record ProfileImageVersions(
        [property: JsonPropertyName("large")] string? Large,
        [property: JsonPropertyName("medium")] string? Medium,
        [property: JsonPropertyName("small")] string? Small,
        [property: JsonPropertyName("micro")] string? Micro);
}
