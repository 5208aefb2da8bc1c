using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Partner.Silo.Hosting;
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

    /// <summary>
    /// The Orleans dashboard, on by default in the app, is off in test hosts unless a test asks for it: it made in-process
    /// tests take ~60 % longer (283 room, match and alarm tests: 41–44 s with it, 24–28 s without; GC pauses 8–10 s vs 4–5 s).
    /// </summary>
    public bool Dashboard { get; init; }

    /// <summary>Extra service registrations (e.g. a recording withdrawal step), applied after the app's own.</summary>
    public Action<IServiceCollection>? ExtraServices { get; init; }

    /// <summary>Logins that <c>Partner:Admins</c> lists in every factory.</summary>
    public static readonly string[] AdminLogins = ["admin-1", "admin-2"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("Partner:Embedded:SiloPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Partner:Embedded:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Every test client shares one remote address here; rate-limit tests set their own limits.
        builder.UseSetting("Partner:RateLimits:Auth:PermitLimit", "1000000");
        builder.UseSetting("Partner:RateLimits:Writes:PermitLimit", "1000000");
        // Load tests send thousands of requests at once to one in-process node; the overload test sets its own limit.
        builder.UseSetting("Partner:Overload:MaxConcurrentRequests", "100000");
        builder.UseSetting("Partner:Overload:QueueLimit", "100000");
        for (var i = 0; i < AdminLogins.Length; i++)
        {
            builder.UseSetting($"Partner:Admins:{i}", AdminLogins[i]);
        }
        if (!Dashboard)
        {
            builder.UseSetting(PartnerSiloHosting.DashboardEnabledKey, "false");
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, TestEndpoints>());
        if (ExtraServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }
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
