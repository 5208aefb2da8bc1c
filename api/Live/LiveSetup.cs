namespace Partner.Api.Live;

public static class LiveSetup
{
    /// <summary>The SignalR hub's feeds (SignalR itself and its JSON conventions come with <c>AddPartnerJson</c>).</summary>
    public static IHostApplicationBuilder AddPartnerLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiveFeeds>();
        builder.Services.AddHostedService<LiveFeedsShutdown>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver, SiloLossHealing>();
        return builder;
    }

    /// <summary><c>/hubs/partner</c>; a connection closes when its access token expires, and the client reconnects with a fresh one.</summary>
    public static IEndpointConventionBuilder MapPartnerHub(this IEndpointRouteBuilder app) =>
        app.MapHub<PartnerHub>("/hubs/partner", options => options.CloseOnAuthenticationExpiration = true);
}
