using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Partner.Silo.Database;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class SchemaScript
{
    [Fact]
    public async Task AppliesTwiceKeepingExistingRows()
    {
        await using var database = await MariaDbServer.StartAsync();
        var migrator = new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance);

        await migrator.MigrateAsync(database.ConnectionString, CancellationToken.None);
        await ExecuteAsync(database.ConnectionString,
            "INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdentity, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version, ModifiedOn) " +
            "VALUES (1, 4, UNHEX(SHA2('kept', 256)), 2, 3, 'test-type', NULL, 'test-service', x'00', 1, UTC_TIMESTAMP())");
        await migrator.MigrateAsync(database.ConnectionString, CancellationToken.None);

        Assert.Equal(1L, await ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM OrleansStorage WHERE ServiceId = 'test-service'"));
        Assert.True(await ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'") == 1L);
    }

    [Fact]
    public async Task ConcurrentMigrationsFromSeveralSilosDoNotCollide()
    {
        await using var database = await MariaDbServer.StartAsync();
        var migrator = new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => migrator.MigrateAsync(database.ConnectionString, CancellationToken.None)));

        Assert.True(await TableExistsAsync(database.ConnectionString, "OrleansStorage"));
    }

    [Fact]
    public void PayloadColumnsHoldMoreThan64KiB()
    {
        var script = string.Join('\n', DatabaseMigrator.Statements());

        Assert.Contains("LONGBLOB", script, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(?i)\bPayloadBinary\s+BLOB\b", script);
    }

    internal static async Task<bool> TableExistsAsync(string connectionString, string table) =>
        await ScalarAsync(connectionString, $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'") == 1L;

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
