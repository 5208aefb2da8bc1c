using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Orleans.Configuration;
using Partner.Silo.Database;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>The ADO.NET providers' pooled MySQL connections skip MySqlConnector's reset (see <see cref="PooledConnections"/>).</summary>
public sealed class PooledConnectionResetRules
{
    [Theory]
    [InlineData("Server=db;Database=partner;User ID=partner;Password=x")]
    [InlineData("Server=db;Database=partner;Pooling=true;Maximum Pool Size=40")]
    public void AConnectionStringThatDoesNotSayGetsNoReset(string connectionString)
    {
        var tuned = PooledConnections.WithoutReset(connectionString);

        Assert.NotNull(tuned);
        var builder = new MySqlConnectionStringBuilder(tuned);
        Assert.False(builder.ConnectionReset);
        Assert.Equal("partner", builder.Database);
    }

    [Theory]
    [InlineData("Server=db;Database=partner;ConnectionReset=true")]
    [InlineData("Server=db;Database=partner;Connection Reset=True")]
    [InlineData("Server=db;Database=partner;connectionreset=false")]
    public void AnExplicitConnectionResetIsTheOperatorsChoice(string connectionString) =>
        Assert.Null(PooledConnections.WithoutReset(connectionString));

    [Fact]
    public void EveryMySqlProviderOfTheSiloIsTunedWhereItsConnectionStringLives()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:PartnerDb"] = "Server=db;Database=partner",
            ["Orleans:GrainStorage:Default:ProviderType"] = "AdoNet",
            ["Orleans:GrainStorage:Default:Invariant"] = "MySql.Data.MySqlConnector",
            ["Orleans:GrainStorage:Default:ConnectionName"] = "PartnerDb",
            ["Orleans:Reminders:ProviderType"] = "AdoNet",
            ["Orleans:Reminders:Invariant"] = "MySql.Data.MySqlConnector",
            ["Orleans:Reminders:ConnectionString"] = "Server=other;Database=reminders",
            ["Orleans:Clustering:ProviderType"] = "Redis",
            ["Orleans:Clustering:ConnectionString"] = "localhost:6379",
        });

        PooledConnections.SkipResetOnTop(configuration);

        Assert.False(ResetOf(configuration.GetConnectionString("PartnerDb")));
        Assert.False(ResetOf(configuration["Orleans:Reminders:ConnectionString"]));
        Assert.Equal("localhost:6379", configuration["Orleans:Clustering:ConnectionString"]);
    }

    internal static bool ResetOf(string? connectionString)
    {
        Assert.False(string.IsNullOrEmpty(connectionString));
        return new MySqlConnectionStringBuilder(connectionString).ConnectionReset;
    }
}

[Collection(ProductionCollection.Name)]
public sealed class PooledConnectionReset(ProductionServers servers)
{
    [Fact]
    public async Task AProductionSilosStorageAndRemindersConnectWithoutThePoolResetAndStillRoundTrip()
    {
        await using var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis);

        var storage = silo.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get("Default");
        var reminders = silo.Services.GetRequiredService<IOptions<AdoNetReminderTableOptions>>().Value;
        Assert.False(PooledConnectionResetRules.ResetOf(storage.ConnectionString));
        Assert.False(PooledConnectionResetRules.ResetOf(reminders.ConnectionString));

        var grain = silo.Grains.GetGrain<ILargeStateGrain>(Guid.NewGuid());
        for (var i = 1; i <= 20; i++)
        {
            await grain.Write([(byte)i]);
        }

        await grain.Deactivate();
        Assert.Equal([20], await grain.Read());
    }
}
