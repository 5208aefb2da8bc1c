using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partner.Api.Hosting;

public static class JsonSetup
{
    /// <summary>Enums travel as UPPER_CASE strings (case-insensitive on input) in HTTP and SignalR JSON.</summary>
    public static IHostApplicationBuilder AddPartnerJson(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        builder.Services.AddSignalR().AddJsonProtocol(options => Configure(options.PayloadSerializerOptions));
        return builder;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // The web defaults read "4" as 4; a number is a JSON number here.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new UpperCaseEnumConverter());
    }
}
