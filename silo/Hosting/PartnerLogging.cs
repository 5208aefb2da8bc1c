using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Partner.Silo.Hosting;

public static class PartnerLogging
{
    private const string RequestLinesCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// Production processes write one JSON object per line with their scopes: the W3C trace and span ids of the
    /// current activity and, on API nodes, the request path. Defaults only: <c>Logging:Console:*</c> overrides them
    /// (e.g. <c>Logging:Console:FormatterName=simple</c>). The embedded default keeps the readable console.
    /// </summary>
    public static IHostApplicationBuilder AddPartnerLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (PartnerModes.Read(builder.Configuration) != PartnerMode.Production)
        {
            return builder;
        }

        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData =
            [
                new("Logging:Console:FormatterName", ConsoleFormatterNames.Json),
                new("Logging:Console:FormatterOptions:IncludeScopes", "true"),
                new("Logging:Console:FormatterOptions:TimestampFormat", "yyyy-MM-ddTHH:mm:ss.fffZ"),
                new("Logging:Console:FormatterOptions:UseUtcTimestamp", "true"),
            ],
        });
        // Request lines carry whole URLs: SignalR's ?access_token=, the 42 callback's code. Counts and durations are in /metrics.
        builder.Logging.AddFilter(RequestLinesCategory, LogLevel.Warning);
        // Log lines are read by tools, not browsers: keep quotes, '+' and non-ASCII text as written.
        builder.Services.Configure<JsonConsoleFormatterOptions>(options =>
            options.JsonWriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return builder;
    }
}
