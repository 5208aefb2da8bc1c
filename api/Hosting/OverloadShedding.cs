using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Partner.Api.Problems;

namespace Partner.Api.Hosting;

/// <summary>How many API requests one node works on at once, and how many more wait (<c>Partner:Overload</c>).</summary>
public sealed class OverloadOptions
{
    public const string Section = "Partner:Overload";

    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 512;

    [Range(0, 100_000)]
    public int QueueLimit { get; set; } = 1024;
}

/// <summary>
/// Beyond what the node (and the cluster behind it) can work on, requests are refused at once with 503 and
/// <c>Retry-After</c> instead of queueing without bound and answering ever later. Hub connections (long-lived)
/// and health probes are not counted.
/// </summary>
public static class OverloadShedding
{
    public static IHostApplicationBuilder AddPartnerOverloadShedding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OverloadOptions>().BindConfiguration(OverloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<OverloadOptions>>().Value;
            return new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrentRequests,
                QueueLimit = options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
        });
        return builder;
    }

    public static IApplicationBuilder UseOverloadShedding(this IApplicationBuilder app)
    {
        var limiter = app.ApplicationServices.GetRequiredService<ConcurrencyLimiter>();
        // Other requests are passed on without an async frame: a hub connection would keep one for its whole life.
        return app.Use((context, next) => context.Request.Path.StartsWithSegments("/api") ? LimitedAsync(limiter, context, next) : next(context));
    }

    private static async Task LimitedAsync(ConcurrencyLimiter limiter, HttpContext context, RequestDelegate next)
    {
        using var lease = await limiter.AcquireAsync(permitCount: 1, context.RequestAborted);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "1";
            await ProblemAnswers.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The service is at capacity; retry shortly.");
            return;
        }

        await next(context);
    }
}
