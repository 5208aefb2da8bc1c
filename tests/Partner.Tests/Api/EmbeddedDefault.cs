using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Partner.Silo.Hosting;

namespace Partner.Tests.Api;

public sealed class EmbeddedDefault(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task IsReadyWithTheClusterAndRoomReadChecks()
    {
        var http = factory.CreateClient();
        var report = await ReadyAsync(http);
        var patience = Stopwatch.StartNew();
        while (report.GetProperty("status").GetString() != "Healthy" && patience.Elapsed < TimeSpan.FromSeconds(10))
        {
            // The room read model starts with the host and is degraded (reads go to the grains) until its first rebuild ends.
            await Task.Delay(100);
            report = await ReadyAsync(http);
        }

        var checks = report.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString() ?? "").ToArray();
        Assert.Equal(["cluster", "room-reads"], checks);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
    }

    [Fact]
    public async Task IsLive()
    {
        var response = await factory.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PublishesAnOpenApiDocumentOfItsEndpoints()
    {
        var response = await factory.CreateClient().GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("paths").TryGetProperty("/api/categories", out _));
    }

    [Fact]
    public async Task ServesAnInteractiveApiReferenceWithoutACdn()
    {
        var client = factory.CreateClient();
        var page = await client.GetAsync("/scalar/v1");
        var script = await client.GetAsync("/scalar/scalar.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("openapi/v1.json", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task ItsOnlySiloKeepsASmallGrainDirectoryCacheAndServes()
    {
        var response = await factory.CreateClient().GetAsync("/api/categories");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PartnerSiloHosting.EmbeddedDirectoryCacheSize, factory.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize);
        Assert.True(PartnerSiloHosting.EmbeddedDirectoryCacheSize < new GrainDirectoryOptions().CacheSize);
    }

    private static async Task<JsonElement> ReadyAsync(HttpClient http)
    {
        var response = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
