using System.Reflection;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Partner.Api.Hosting;

/// <summary>
/// ASP.NET Core's rate-limiting middleware, with the endpoint limiter it creates disposed when the application stops.
/// The middleware never disposes that limiter (dotnet/aspnetcore#66434), whose 100 ms timer then keeps the whole stopped
/// application reachable: one node per process does not notice, a process that starts and stops many nodes (the tests)
/// kept every one of them, co-hosted silo included. <c>DisposedHosts</c> fails if this stops finding the limiter.
/// </summary>
public static class StoppedRateLimiter
{
    public static IApplicationBuilder UseRateLimiterStoppedWithTheApp(this IApplicationBuilder app)
    {
        new MiddlewareWatch(app).UseRateLimiter();
        return app;
    }

    private static void DisposeLimitersOnStop(object middleware, IServiceProvider services)
    {
        var global = services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        var owned = middleware.GetType()
            .GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .Select(field => field.GetValue(middleware))
            .OfType<PartitionedRateLimiter<HttpContext>>()
            .Where(limiter => !ReferenceEquals(limiter, global))
            .ToList();
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() =>
        {
            foreach (var limiter in owned)
            {
                limiter.Dispose();
            }
        });
    }

    /// <summary>Passes everything to the real builder, and sees the middleware instance each added middleware creates.</summary>
    private sealed class MiddlewareWatch(IApplicationBuilder inner) : IApplicationBuilder
    {
        public IServiceProvider ApplicationServices
        {
            get => inner.ApplicationServices;
            set => inner.ApplicationServices = value;
        }

        public IFeatureCollection ServerFeatures => inner.ServerFeatures;

        public IDictionary<string, object?> Properties => inner.Properties;

        public IApplicationBuilder Use(Func<RequestDelegate, RequestDelegate> middleware)
        {
            inner.Use(next =>
            {
                var created = middleware(next);
                if (created.Target is { } instance)
                {
                    DisposeLimitersOnStop(instance, inner.ApplicationServices);
                }

                return created;
            });
            return this;
        }

        public IApplicationBuilder New() => inner.New();

        public RequestDelegate Build() => inner.Build();
    }
}
