namespace Partner.Api.Hosting;

/// <summary>
/// Cross-origin access for web clients served from other origins (<c>Partner:Cors:AllowedOrigins</c>, none by default):
/// only the listed origins get CORS headers, credentials included (the refresh cookie, the hub's negotiate).
/// </summary>
public static class CorsSetup
{
    public const string Section = "Partner:Cors:AllowedOrigins";

    public static IHostApplicationBuilder AddPartnerCors(this IHostApplicationBuilder builder)
    {
        var origins = builder.Configuration.GetSection(Section).GetChildren()
            .Select(entry => Normalize(entry.Value) ?? throw new InvalidOperationException(
                $"{entry.Path} (environment {entry.Path.Replace(":", "__", StringComparison.Ordinal)}) must be an http(s) origin such as https://partner.example, without path, query or user info (was '{entry.Value}')."))
            .ToArray();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            if (origins.Length == 0)
            {
                return;
            }

            policy.WithOrigins(origins)
                .AllowCredentials()
                .AllowAnyHeader()
                .AllowAnyMethod()
                .WithExposedHeaders("Location", "ETag", "Retry-After", "WWW-Authenticate")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        }));
        return builder;
    }

    /// <summary>Only when origins are listed: otherwise every same-origin request with an <c>Origin</c> header would be judged (and logged) for nothing.</summary>
    public static WebApplication UsePartnerCors(this WebApplication app)
    {
        if (app.Configuration.GetSection(Section).GetChildren().Any())
        {
            app.UseCors();
        }

        return app;
    }

    private static string? Normalize(string? text)
    {
        var trimmed = text?.Trim().TrimEnd('/') ?? "";
        return Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            && !trimmed.EndsWith('#') && !trimmed.EndsWith('?')
                ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
                : null;
    }
}
