using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Partner.Api.Hosting;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>, believed only from the proxies of
/// <c>Partner:ForwardedHeaders:KnownProxies</c> and <c>:KnownNetworks</c> (loopback when none are set):
/// from anyone else they would let a client choose its own address for the per-IP limits.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "Partner:ForwardedHeaders";

    public static IHostApplicationBuilder AddPartnerForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var proxies = Entries(builder.Configuration, "KnownProxies")
            .Select(entry => ParseAddress(entry.Value) ?? throw Malformed(entry, "an IP address such as 10.0.0.5"))
            .ToList();
        var networks = Entries(builder.Configuration, "KnownNetworks")
            .Select(entry => ParseNetwork(entry.Value) ?? throw Malformed(entry, "a network in CIDR notation such as 10.0.0.0/8, with no address bits set past the prefix (10.1.0.0/16, not 10.1.0.0/8)"))
            .ToList();

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Each hop is checked against the known proxies, so a chain of them unwinds until the first address that is not one.
            options.ForwardLimit = null;
            if (proxies.Count > 0 || networks.Count > 0)
            {
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                proxies.ForEach(options.KnownProxies.Add);
                networks.ForEach(options.KnownIPNetworks.Add);
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline: everything after it (auth, rate limits, redirects) sees the client's address and scheme.</summary>
    public static IApplicationBuilder UsePartnerForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();

    // IPAddress also parses legacy forms ("10.1" is 10.0.0.1) and IPNetwork masks stray bits: a typo would then trust other hosts.
    private static IPAddress? ParseAddress(string? text) =>
        IPAddress.TryParse(text, out var address) && (address.AddressFamily != AddressFamily.InterNetwork || address.ToString() == text)
            ? address
            : null;

    private static IPNetwork? ParseNetwork(string? text) =>
        text?.Split('/') is [var baseText, _] && ParseAddress(baseText) is { } baseAddress
        && IPNetwork.TryParse(text, out var network) && network.BaseAddress.Equals(baseAddress)
            ? network
            : null;

    private static IEnumerable<IConfigurationSection> Entries(IConfiguration configuration, string name) =>
        configuration.GetSection($"{Section}:{name}").GetChildren();

    private static InvalidOperationException Malformed(IConfigurationSection entry, string expected) =>
        new($"{entry.Path} (environment {entry.Path.Replace(":", "__", StringComparison.Ordinal)}) must be {expected} (was '{entry.Value}').");
}
