using System.Globalization;
using System.Net;
using System.Diagnostics;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class ProductionStartup(ProductionServers servers)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SiloRefusesToStartWithoutItsConnectionStrings()
    {
        await using var silo = PartnerProcess.Start("silo", new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" }, "silo-unconfigured");

        await silo.WaitForOutputAsync("ConnectionStrings__PartnerDb", ExitTimeout);
        Assert.Contains("ConnectionStrings__Redis", silo.Output);
        await WaitForExitAsync(silo);
    }

    [Fact]
    public async Task ApiInProductionRefusesToStartWithoutRedis()
    {
        await using var api = PartnerProcess.Start("api", new Dictionary<string, string?>
        {
            ["Partner__Mode"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
        }, "api-unconfigured");

        await api.WaitForOutputAsync("ConnectionStrings__Redis", ExitTimeout);
        await WaitForExitAsync(api);
    }

    [Theory]
    [InlineData(null, "is missing")]
    [InlineData(Partner.Api.Auth.JwtSettings.DevelopmentSigningKey, "development key")]
    [InlineData("too-short", "at least 32 bytes")]
    public async Task ApiInProductionRefusesToStartWithoutItsOwnSigningKey(string? key, string reason)
    {
        var environment = new ProductionCluster(servers.Database, servers.Redis).CommonEnvironment();
        environment["Auth__Jwt__SigningKey"] = key;
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        await using var api = PartnerProcess.Start("api", environment, "api-no-key");

        await api.WaitForOutputAsync("Auth:Jwt:SigningKey", ExitTimeout);
        Assert.Contains(reason, api.Output);
        await WaitForExitAsync(api);
    }

    [Fact]
    public async Task SiloMigrateCommandAppliesTheSchemaAndExits()
    {
        await using var database = await MariaDbServer.StartAsync();
        var cluster = new ProductionCluster(database, servers.Redis);
        var environment = cluster.CommonEnvironment();
        await using var migrate = PartnerProcess.Start("silo", environment, "silo-migrate", "migrate");

        await WaitForExitAsync(migrate);
        Assert.True(await SchemaScript.TableExistsAsync(database.ConnectionString, "OrleansStorage"));
        Assert.True(await SchemaScript.TableExistsAsync(database.ConnectionString, "OrleansRemindersTable"));
    }

    [Fact]
    public async Task EmbeddedDefaultProcessServesWithNoConfiguration()
    {
        var port = FreePort.Next();
        var clock = Stopwatch.StartNew();
        await using var process = PartnerProcess.Start("api", new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        }, "api-embedded");
        var api = new ApiProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });

        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(15));
        var readyAfter = clock.Elapsed;
        var categories = await api.WaitUntilAsync("/api/categories", HttpStatusCode.OK, TimeSpan.FromSeconds(5));

        Assert.Contains("\"MEAL\"", categories);
        Assert.Contains("is active in EMBEDDED mode", process.Output);
        Console.WriteLine($"embedded default ready after {readyAfter.TotalSeconds:F1} s");
    }

    private static async Task WaitForExitAsync(PartnerProcess process)
    {
        var deadline = DateTime.UtcNow + ExitTimeout;
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(process.HasExited, $"{process} should have exited:\n{process.Output}");
    }
}
