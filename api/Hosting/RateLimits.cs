using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Partner.Api.Auth;
using Partner.Api.Problems;

namespace Partner.Api.Hosting;

/// <summary>One limit, bound from <c>Partner:RateLimits:Auth</c> or <c>Partner:RateLimits:Writes</c>.</summary>
public sealed class RateLimitSettings
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

public static class RateLimits
{
    /// <summary>Auth endpoints, per client IP.</summary>
    public const string Auth = "auth";

    /// <summary>Writes, per user.</summary>
    public const string Writes = "writes";

    public static IHostApplicationBuilder AddPartnerRateLimits(this IHostApplicationBuilder builder)
    {
        var auth = Read(builder.Configuration, "Auth", permitLimit: 30);
        var writes = Read(builder.Configuration, "Writes", permitLimit: 300);
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(Auth, http => Window(http, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", auth));
            options.AddPolicy(Writes, http => Window(
                http, CurrentUser.From(http.User)?.UserId.ToString() ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown", writes));
            options.OnRejected = RejectAsync;
        });
        return builder;
    }

    private static RateLimitSettings Read(IConfiguration configuration, string name, int permitLimit)
    {
        var settings = new RateLimitSettings { PermitLimit = permitLimit };
        configuration.GetSection($"Partner:RateLimits:{name}").Bind(settings);
        return settings.PermitLimit > 0 && settings.Window > TimeSpan.Zero
            ? settings
            : throw new InvalidOperationException($"Partner:RateLimits:{name} needs PermitLimit > 0 and a positive Window.");
    }

    private static RateLimitPartition<string> Window(HttpContext http, string key, RateLimitSettings settings)
    {
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        return RateLimitPartition.Get(key, _ => new FixedWindowLimiter(settings, clock));
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await ProblemAnswers.WriteAsync(http, StatusCodes.Status429TooManyRequests, $"Retry after {http.Response.Headers.RetryAfter}.");
    }
}
