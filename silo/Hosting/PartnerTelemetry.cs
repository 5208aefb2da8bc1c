using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Partner.Operations;

namespace Partner.Silo.Hosting;

public static class PartnerTelemetry
{
    /// <summary>The meter of the Orleans runtime (grain calls, activations, messaging, membership, storage).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// Label sets (points) one series keeps; later ones fold into its overflow point. OpenTelemetry's default, 2,000, allocates
    /// ~144 KB per instrument up front on the large-object heap: ~27 MB for the ~190 instruments of an embedded node's own
    /// provider. Partner's busiest series, HTTP request duration by route, method and status, stays well under this.
    /// </summary>
    public const int PointsPerSeries = 500;

    /// <summary>Partner's own instruments, Orleans' and the .NET runtime's: what every Partner process exports.</summary>
    public static MeterProviderBuilder AddPartnerMeters(this MeterProviderBuilder metrics) => metrics
        .AddMeter(PartnerInstruments.MeterName)
        .AddMeter(OrleansMeter)
        .AddRuntimeInstrumentation()
        .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = PointsPerSeries });

    /// <summary>
    /// A production silo's metrics in Prometheus text at <c>http://{Partner:Metrics:Host}:{Partner:Metrics:Port}/metrics</c>; off when the port
    /// is not set. (Embedded, the API's <c>/metrics</c> shows its co-hosted silo.)
    /// </summary>
    public static IHostApplicationBuilder AddPartnerSiloMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiloMetricsOptions>().BindConfiguration(SiloMetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(SiloMetricsOptions.Section).Get<SiloMetricsOptions>();
        if (settings?.Port is not { } port)
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddPartnerMeters()
            .AddPrometheusHttpListener(options =>
            {
                options.Port = port;
                // The exporter's own Host must parse as a URI host, which rules out HttpListener's "every interface" wildcard.
                options.ConfigureHttpListener = (_, listener) =>
                {
                    listener.Prefixes.Clear();
                    listener.Prefixes.Add($"http://{settings.Host}:{port.ToString(CultureInfo.InvariantCulture)}/");
                };
            }));
        return builder;
    }
}

/// <summary>Where a production silo serves its metrics (<c>Partner:Metrics</c>).</summary>
public sealed class SiloMetricsOptions
{
    public const string Section = "Partner:Metrics";

    /// <summary>The HTTP port of the silo's <c>/metrics</c> (Prometheus text); unset: no metrics listener.</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The host name the listener binds to; <c>*</c> (the default) is every interface.</summary>
    [Required]
    public string Host { get; set; } = "*";
}
