using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;
using Partner.Silo.Hosting;
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
            .PostConfigure(options => options.DevLogin = devLogin);
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddSingleton<SessionIssuer>();
        builder.Services.AddSingleton<ReturnUrls>();

        var authentication = builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Jwt.Issuer,
                    ValidAudience = auth.Jwt.Audience,
                    IssuerSigningKey = SessionIssuer.SigningKey(auth.Jwt),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = auth.Jwt.ClockSkew,
                    NameClaimType = PartnerClaims.Name,
                    RoleClaimType = PartnerClaims.Role,
                };
                // Browsers cannot set headers on WebSocket and SSE requests: SignalR sends the token in the query.
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
                            && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
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

    private static void RequireProductionKey(JwtSettings jwt)
    {
        const string Key = "Auth:Jwt:SigningKey (environment Auth__Jwt__SigningKey)";
        if (string.IsNullOrWhiteSpace(jwt.SigningKey))
        {
            throw new InvalidOperationException($"Partner:Mode is Production but {Key} is missing: set a random secret of at least {JwtSettings.MinimumKeyBytes} bytes.");
        }

        if (jwt.SigningKey == JwtSettings.DevelopmentSigningKey)
        {
            throw new InvalidOperationException($"Partner:Mode is Production but {Key} is the published development key: set your own secret.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(jwt.SigningKey) < JwtSettings.MinimumKeyBytes)
        {
            throw new InvalidOperationException($"{Key} must be at least {JwtSettings.MinimumKeyBytes} bytes.");
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
