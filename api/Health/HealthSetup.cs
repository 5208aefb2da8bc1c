using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partner.Silo.Hosting;

namespace Partner.Api.Health;

public static class HealthSetup
{
    internal static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    internal const string ReadyTag = "ready";

    /// <summary>Readiness checks the cluster, and in production MySQL (through grain storage) and Redis.</summary>
    public static IHostApplicationBuilder AddPartnerHealthChecks(this IHostApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);

        if (PartnerModes.Read(builder.Configuration) == PartnerMode.Production)
        {
            checks.AddCheck<StorageHealthCheck>("mysql", tags: [ReadyTag]);
            var redis = builder.Configuration.GetConnectionString(OrleansProviderDefaults.RedisConnectionName);
            if (!string.IsNullOrWhiteSpace(redis))
            {
                checks.AddRedis(redis, name: "redis", tags: [ReadyTag], timeout: CheckTimeout);
            }
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapPartnerHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            durationMs = (int)report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status.ToString(),
                description = entry.Value.Description,
                durationMs = (int)entry.Value.Duration.TotalMilliseconds,
            }),
        }, cancellationToken: context.RequestAborted);
    }
}
