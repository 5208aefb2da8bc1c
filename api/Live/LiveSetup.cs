namespace Partner.Api.Live;

public static class LiveSetup
{
    public const string HubsPrefix = "/hubs";

    /// <summary>The SignalR hub's feeds (SignalR itself and its JSON conventions come with <c>AddPartnerJson</c>).</summary>
    public static IHostApplicationBuilder AddPartnerLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiveFeeds>();
        builder.Services.AddHostedService<LiveFeedsShutdown>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver, SiloLossHealing>();
        return builder;
    }

    /// <summary>A hub connection's own request (WebSocket, server-sent events or a long poll), not its negotiate: it lasts as long as the connection.</summary>
    public static bool IsHubTransport(HttpRequest request) =>
        request.Path.StartsWithSegments(HubsPrefix, out var rest) && rest.Value?.EndsWith("/negotiate", StringComparison.Ordinal) != true;

    /// <summary><c>/hubs/partner</c>; a connection closes when its access token expires, and the client reconnects with a fresh one.</summary>
    /// <remarks>
    /// Without endpoint validation: <c>AddValidation()</c> would wrap the hub's request delegates in an endpoint filter
    /// pipeline with nothing to validate, and a connection's request would keep its frames for the connection's life.
    /// </remarks>
    public static IEndpointConventionBuilder MapPartnerHub(this IEndpointRouteBuilder app) =>
        app.MapHub<PartnerHub>(HubsPrefix + "/partner", options => options.CloseOnAuthenticationExpiration = true).DisableValidation();
}
