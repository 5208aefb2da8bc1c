using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>One private MariaDB and one private Redis for the production-mode tests, which run one at a time.</summary>
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
