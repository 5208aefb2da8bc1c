using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Partner.Slack;

namespace Partner.Silo.Slack;

public static class SlackHosting
{
    /// <summary>Section of <c>HttpStandardResilienceOptions</c> for the Slack client (retry, timeouts, circuit breaker); its defaults fit Slack.</summary>
    public const string ResilienceSection = "Slack:Resilience";

    /// <summary>
    /// The Slack client of the grains, on every silo. With no <c>Slack:BotToken</c> nothing is posted and the client is never called.
    /// </summary>
    public static IServiceCollection AddPartnerSlack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().BindConfiguration(SlackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Transient, like the typed client it holds: each match activation gets a fresh HttpClient over the factory's pooled handlers.
        services.AddTransient<SlackMatchPoster>();
        services
            .AddHttpClient<SlackClient>((provider, http) =>
            {
                var baseUrl = provider.GetRequiredService<IOptions<SlackOptions>>().Value.BaseUrl;
                // Method names are relative: without the trailing slash, "…/api" + "chat.postMessage" would drop "api".
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            })
            .AddStandardResilienceHandler(options => configuration.GetSection(ResilienceSection).Bind(options));
        return services;
    }
}
