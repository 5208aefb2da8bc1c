using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Api;

/// <summary>
/// The real API in the embedded default (co-hosted silo on its own free ports), plus a few
/// test-only endpoints that exercise the error pipeline.
/// </summary>
public sealed class PartnerApiFactory : WebApplicationFactory<Program>
{
    /// <summary>Extra configuration, as an operator would set it.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public string Environment { get; init; } = "Development";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Partner:Embedded:SiloPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Partner:Embedded:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestEndpoints>());
    }

    /// <summary>Endpoints that exist only in tests, mapped behind the application's own pipeline.</summary>
    private sealed class TestEndpoints : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseRouting();
            app.UseEndpoints(endpoints =>
            {
                endpoints.MapPost("/test/echo", (EchoRequest request) => TypedResults.Ok(request));
                endpoints.MapGet("/test/throw", string () => throw new InvalidOperationException("secret internal detail"));
            });
        };
    }
}

public sealed record EchoRequest(int Capacity, string Title);
