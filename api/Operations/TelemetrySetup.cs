using OpenTelemetry.Metrics;
using Partner.Silo.Hosting;

namespace Partner.Api.Operations;

public static class TelemetrySetup
{
    /// <summary>The path Prometheus scrapes on every API node.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Metrics through OpenTelemetry: ASP.NET Core (requests, Kestrel, SignalR connections), the .NET runtime, Orleans
    /// (the client's, and in the embedded default the co-hosted silo's) and Partner's own instruments.
    /// </summary>
    public static IHostApplicationBuilder AddPartnerTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddPartnerMeters()
            .AddAspNetCoreInstrumentation()
            .AddMeter("Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary><c>GET /metrics</c> in Prometheus text format.</summary>
    public static IEndpointConventionBuilder MapPartnerMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath);
}
