using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;
using Partner.Api.Hosting;
using Partner.Api.Operations;
using Partner.Silo.Hosting;
using Partner.Users;
using StackExchange.Redis;

namespace Partner.Api.Auth;

public static class AuthSetup
{
    /// <summary>JWT bearer access tokens, rotating refresh tokens, 42 intra login, and the admin list.</summary>
    public static IHostApplicationBuilder AddPartnerAuth(this IHostApplicationBuilder builder)
    {
        var mode = PartnerModes.Read(builder.Configuration);
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (mode == PartnerMode.Production)
        {
            RequireProductionKey(auth.Jwt);
        }

        var devLogin = auth.DevLogin ?? (mode == PartnerMode.Embedded || builder.Environment.IsDevelopment());
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .PostConfigure(options =>
            {
                options.DevLogin = devLogin;
                options.DevLoginGrantsAdmin = mode != PartnerMode.Production;
            });
        if (devLogin && mode == PartnerMode.Production)
        {
            builder.Services.AddHostedService<DevLoginWarning>();
        }

        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddSingleton<SessionIssuer>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<SessionGate>();
        builder.Services.AddSingleton<ReturnUrls>();

        var authentication = builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                // Nothing reads the token back from the authentication properties; a hub connection would hold it for its life.
                options.SaveToken = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Jwt.Issuer,
                    ValidAudience = auth.Jwt.Audience,
                    IssuerSigningKeys = SessionIssuer.ValidationKeys(auth.Jwt),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = auth.Jwt.ClockSkew,
                    NameClaimType = PartnerClaims.Name,
                    RoleClaimType = PartnerClaims.Role,
                };
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadBrowserToken,
                    OnTokenValidated = CheckSessionAsync,
                    OnAuthenticationFailed = RethrowFailedSessionCheck,
                    OnChallenge = DescribeFailureWithoutDetails,
                };
            });

        ReturnUrls.Validate(auth.ReturnUrls);
        IntraLogin.RequirePublicBaseUrl(auth, mode);
        if (auth.Intra.IsConfigured)
        {
            authentication.AddOAuth<OAuthOptions, IntraLoginHandler>(IntraLogin.Scheme, "42 intra", options => IntraLogin.Configure(options, auth.Intra));
        }

        builder.Services.AddAuthorization();

        // OAuth state and PKCE verifiers are protected with these keys: every API node must share them.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("partner");
        if (mode == PartnerMode.Production && builder.Configuration.GetConnectionString(OrleansProviderDefaults.RedisConnectionName) is { Length: > 0 } redis)
        {
            dataProtection.PersistKeysToStackExchangeRedis(() => RedisConnections.Get(redis).GetDatabase(), "partner:data-protection-keys");
        }

        return builder;
    }

    /// <summary>
    /// Browsers cannot set headers on WebSocket and SSE requests: SignalR sends the token in the query. Nor on a page
    /// navigation: the dashboard's pages carry it in their own cookie.
    /// </summary>
    private static Task ReadBrowserToken(MessageReceivedContext context)
    {
        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
            && context.Request.Query["access_token"] is [{ Length: > 0 } token])
        {
            context.Token = token;
        }
        else if (DashboardEndpoints.TokenFromCookie(context.Request) is { } cookieToken)
        {
            context.Token = cookieToken;
        }

        return Task.CompletedTask;
    }

    /// <summary>A signed, unexpired token still fails once its session ended (logout, revocation, withdrawal for reads).</summary>
    private static async Task CheckSessionAsync(TokenValidatedContext context)
    {
        var http = context.HttpContext;
        var user = context.Principal is { } principal ? CurrentUser.From(principal) : null;
        if (user is null)
        {
            context.Fail("The access token names no user.");
            return;
        }

        AccessCheck check;
        try
        {
            check = await http.RequestServices.GetRequiredService<SessionGate>().CheckAsync(user, SessionGate.NeedsFreshCheck(http.Request));
        }
        catch (Exception ex)
        {
            throw new SessionCheckFailedException(ex);
        }

        SessionGate.Remember(http, check);
        // A withdrawn user's write goes on to the active-user step, which answers 403 user.withdrawn; anywhere else
        // (reads, logout, the hub's negotiate) withdrawal has ended the session like any revocation.
        if (check == AccessCheck.SessionEnded
            || (check == AccessCheck.Withdrawn && !(SessionGate.NeedsFreshCheck(http.Request) && ActiveUserFilter.HasActiveUserStep(http.GetEndpoint()))))
        {
            context.Fail("The session has ended.");
        }
        else if (http.Request.Path.StartsWithSegments("/hubs"))
        {
            context.Principal = ConnectionPrincipal(context.Principal!);
        }
    }

    /// <summary>
    /// A hub connection holds its principal for as long as it is open: it keeps the one claim the hub reads (the user's id),
    /// not the decoded token the validated identity refers to. The session was checked just before; the expiry that closes
    /// the connection is in the authentication properties.
    /// </summary>
    private static ClaimsPrincipal ConnectionPrincipal(ClaimsPrincipal validated) =>
        new(new ClaimsIdentity([new Claim(PartnerClaims.Subject, validated.FindFirstValue(PartnerClaims.Subject)!)], validated.Identity?.AuthenticationType, PartnerClaims.Name, PartnerClaims.Role));

    /// <summary>JwtBearer turns any exception into a 401; an unanswered session check is an outage (503), not a bad token.</summary>
    private static Task RethrowFailedSessionCheck(AuthenticationFailedContext context)
    {
        if (context.Exception is SessionCheckFailedException { InnerException: { } inner })
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
        }

        return Task.CompletedTask;
    }

    /// <summary>RFC 6750: <c>invalid_token</c> for a token that failed, without the server's clock or the validator's text.</summary>
    private static Task DescribeFailureWithoutDetails(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is not null)
        {
            context.Error = "invalid_token";
            context.ErrorDescription = "The access token is invalid, expired or revoked.";
        }

        return Task.CompletedTask;
    }

    private static void RequireProductionKey(JwtSettings jwt)
    {
        RequireProductionKey(jwt.SigningKey, "Auth:Jwt:SigningKey (environment Auth__Jwt__SigningKey)");
        for (var i = 0; i < jwt.PreviousSigningKeys.Count; i++)
        {
            RequireProductionKey(jwt.PreviousSigningKeys[i], $"Auth:Jwt:PreviousSigningKeys:{i} (environment Auth__Jwt__PreviousSigningKeys__{i})");
        }
    }

    private static void RequireProductionKey(string? key, string name)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException($"Partner:Mode is Production but {name} is missing: set a random secret of at least {JwtSettings.MinimumKeyBytes} bytes.");
        }

        if (key == JwtSettings.DevelopmentSigningKey)
        {
            throw new InvalidOperationException($"Partner:Mode is Production but {name} is the published development key: set your own secret.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(key) < JwtSettings.MinimumKeyBytes)
        {
            throw new InvalidOperationException($"{name} must be at least {JwtSettings.MinimumKeyBytes} bytes.");
        }
    }
}

/// <summary>One multiplexer per Redis connection string for the process (they are meant to be shared).</summary>
internal static class RedisConnections
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IConnectionMultiplexer>> Connections = new();

    public static IConnectionMultiplexer Get(string connectionString) =>
        Connections.GetOrAdd(connectionString, cs => new Lazy<IConnectionMultiplexer>(() =>
        {
            var options = ConfigurationOptions.Parse(cs);
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        })).Value;
}

/// <summary>Says at start-up that a production node lets anyone sign in by login alone.</summary>
internal sealed partial class DevLoginWarning(ILogger<DevLoginWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogDevLoginOn(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:DevLogin is on in production: anyone can sign in as any login without 42 intra (it never grants ADMIN). Keep it off outside load tests.")]
    private static partial void LogDevLoginOn(ILogger logger);
}
