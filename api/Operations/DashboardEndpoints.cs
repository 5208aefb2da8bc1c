using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Dashboard;
using Partner.Api.Auth;
using Partner.Silo.Hosting;
using Partner.Users;

namespace Partner.Api.Operations;

/// <summary>
/// The Orleans dashboard at <c>/dashboard</c> (unless <c>Partner:Dashboard:Enabled</c> is false): open in the embedded
/// default, admin-only in production. A browser page cannot send the API's bearer header, so an admin first trades it
/// for a cookie that carries the same short-lived access token to <c>/dashboard</c> only (<see cref="IssueCookie"/>);
/// its session checks (logout, revocation) apply unchanged.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    /// <summary>HttpOnly, Secure, SameSite=Strict and scoped to <see cref="Path"/>: read only there, never by scripts or other sites.</summary>
    public const string CookieName = "partner_dashboard";

    public const string CookiePath = "/api/operations/dashboard-cookie";

    public static IHostApplicationBuilder AddPartnerDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardAccessOptions>().BindConfiguration(DashboardAccessOptions.Section)
            .PostConfigure(options => options.RequireAdmin ??= PartnerModes.Read(builder.Configuration) == PartnerMode.Production);
        return builder;
    }

    public static IEndpointRouteBuilder MapPartnerDashboard(this WebApplication app)
    {
        if (!PartnerSiloHosting.DashboardEnabled(app.Configuration))
        {
            return app;
        }

        var dashboard = app.MapOrleansDashboard(routePrefix: Path);
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardAccessOptions>>().Value.RequireAdmin == true)
        {
            dashboard.RequireAuthorization(policy => policy.RequireRole(UserRoles.Admin));
        }

        app.MapPost(CookiePath, IssueCookie)
            .RequireAuthorization(policy => policy.RequireRole(UserRoles.Admin))
            .WithTags("Operations")
            .WithSummary("Admins: sets the cookie that opens /dashboard in this browser until the access token expires.");
        return app;
    }

    /// <summary>Reads the bearer token for <see cref="Path"/> from <see cref="CookieName"/> when no header carries one.</summary>
    public static string? TokenFromCookie(HttpRequest request) =>
        request.Path.StartsWithSegments(Path) && request.Headers.Authorization.Count == 0 && request.Cookies[CookieName] is { Length: > 0 } token
            ? token
            : null;

    private static Results<NoContent, UnauthorizedHttpResult> IssueCookie(HttpContext http, TimeProvider clock)
    {
        if (!System.Net.Http.Headers.AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
            || !"Bearer".Equals(header.Scheme, StringComparison.OrdinalIgnoreCase) || header.Parameter is not { Length: > 0 } token)
        {
            return TypedResults.Unauthorized();
        }

        var expires = http.User.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : clock.GetUtcNow();
        http.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = Path,
            Expires = expires,
        });
        return TypedResults.NoContent();
    }
}

/// <summary>Who may open the Orleans dashboard (<c>Partner:Dashboard</c>).</summary>
public sealed class DashboardAccessOptions
{
    public const string Section = "Partner:Dashboard";

    /// <summary>Only admins (signed in, role ADMIN); defaults to true in production and false in the embedded default.</summary>
    public bool? RequireAdmin { get; set; }
}
