using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// One private MariaDB and one private Redis for the production-mode tests of one collection, which run one at a time.
/// The two collections (processes; faults) run side by side, each with its own servers, so the suite takes the time of
/// the longer one, not of both.
/// </summary>
public sealed class ProductionServers : IAsyncLifetime
{
    public MariaDbServer Database { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var database = MariaDbServer.StartAsync();
        var redis = RedisServer.StartAsync();
        Database = await database;
        Redis = await redis;
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProductionCollection : ICollectionFixture<ProductionServers>
{
    public const string Name = "production processes";
}

/// <summary>The production tests that stop, kill or restart processes: beside <see cref="ProductionCollection"/>, on their own servers.</summary>
[CollectionDefinition(Name)]
public sealed class ProductionFaultsCollection : ICollectionFixture<ProductionServers>
{
    public const string Name = "production faults";
}
