using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Partner.Api.Hosting;

/// <summary>
/// Headers every answer carries: <c>nosniff</c> everywhere, <c>no-store</c> on the API (its answers
/// carry tokens and personal data), HSTS on HTTPS outside development (not for loopback hosts), framing and referrer rules and a
/// content security policy on HTML pages, and no <c>Server</c> header.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>HTML pages load only what this origin serves, and no other site may frame them.</summary>
    public const string ContentSecurityPolicy = "script-src 'self'; " + CommonPolicy;

    /// <summary>The API reference page (Scalar) starts itself with an inline script built from its configuration.</summary>
    public const string ApiReferencePolicy = "script-src 'self' 'unsafe-inline'; " + CommonPolicy;

    /// <summary>The path of the interactive API reference.</summary>
    public const string ApiReferencePath = "/scalar";

    private const string CommonPolicy =
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IHostApplicationBuilder AddPartnerSecurityHeaders(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    public static WebApplication UsePartnerSecurityHeaders(this WebApplication app)
    {
        // Set when the answer starts, not by UseHsts: the exception handler clears headers set earlier, not these.
        var pinHttps = !app.Environment.IsDevelopment();
        app.Use((context, next) =>
        {
            context.Response.OnStarting(Apply, (context, pinHttps));
            return next(context);
        });
        return app;
    }

    private static Task Apply(object state)
    {
        var (http, pinHttps) = ((HttpContext, bool))state;
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (pinHttps && http.Request.IsHttps && !IsLoopbackName(http.Request.Host.Host))
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }

        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs"))
        {
            headers.CacheControl = "no-store";
        }

        if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments(ApiReferencePath) ? ApiReferencePolicy : ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
        }

        return Task.CompletedTask;
    }

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
