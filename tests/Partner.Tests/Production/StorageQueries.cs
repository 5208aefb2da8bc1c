using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Partner.Silo.Database;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>
/// The grain-storage query texts of the schema script, run on a real MariaDB the way Orleans' ADO.NET provider runs them:
/// parameters by name, one row with <c>NewGrainStateVersion</c> back from a write (NULL: nothing written, a conflict).
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class StorageQueries(ProductionServers servers) : IAsyncLifetime
{
    private const string ServiceId = "storage-queries";
    private readonly Dictionary<string, string> queries = [];

    public async Task InitializeAsync()
    {
        await new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync(servers.Database.ConnectionString, CancellationToken.None);
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("SELECT QueryKey, QueryText FROM OrleansQuery", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            queries[reader.GetString(0)] = reader.GetString(1);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AFirstWriteInsertsVersionOneAndOnlyOneFirstWriteWins()
    {
        var key = StateKey.Fresh();

        Assert.Equal(1, await WriteAsync(key, version: null, [1]));
        Assert.Null(await WriteAsync(key, version: null, [2]));

        await AssertStoredAsync(key, [1], 1);
    }

    [Fact]
    public async Task AWriteSucceedsOnlyFromTheStoredVersion()
    {
        var key = StateKey.Fresh();
        await WriteAsync(key, version: null, [1]);

        Assert.Equal(2, await WriteAsync(key, version: 1, [2]));
        Assert.Null(await WriteAsync(key, version: 1, [3]));
        Assert.Null(await WriteAsync(StateKey.Fresh(), version: 1, [4]));

        await AssertStoredAsync(key, [2], 2);
    }

    [Fact]
    public async Task ClearingKeepsTheRowWithANewVersionSoAStaleWriterStillFails()
    {
        var key = StateKey.Fresh();
        await WriteAsync(key, version: null, [1]);

        Assert.Equal(2, await VersionResultAsync("ClearStorageKey", key, version: 1, payload: null));
        Assert.Null(await WriteAsync(key, version: 1, [5]));

        await AssertStoredAsync(key, null, 2);
        Assert.Equal(3, await WriteAsync(key, version: 2, [6]));
    }

    [Fact]
    public async Task RowsKeepTheIdentityEncodingOfEarlierSchemas()
    {
        // The encoding every stored row's key was made with: a row written before this script must still be found.
        var key = StateKey.Fresh() with { Extension = "방-42/7" };
        var identity = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{ServiceId.Length}:{ServiceId}:{key.Type.Length}:{key.Type}:{key.N0}:{key.N1}:{key.Extension!.Length}:{key.Extension}")));
        await using (var connection = await OpenAsync())
        await using (var insert = new MySqlCommand(
            "INSERT INTO OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdentity, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version, ModifiedOn) " +
            "VALUES (@idHash, @typeHash, @identity, @n0, @n1, @type, @extension, @service, x'07', 4, UTC_TIMESTAMP(3))", connection))
        {
            insert.Parameters.AddWithValue("@idHash", key.IdHash);
            insert.Parameters.AddWithValue("@typeHash", key.TypeHash);
            insert.Parameters.AddWithValue("@identity", identity);
            insert.Parameters.AddWithValue("@n0", key.N0);
            insert.Parameters.AddWithValue("@n1", key.N1);
            insert.Parameters.AddWithValue("@type", key.Type);
            insert.Parameters.AddWithValue("@extension", key.Extension);
            insert.Parameters.AddWithValue("@service", ServiceId);
            await insert.ExecuteNonQueryAsync();
        }

        await AssertStoredAsync(key, [7], 4);
        Assert.Equal(5, await WriteAsync(key, version: 4, [8]));
        Assert.Null(await WriteAsync(key with { Extension = null }, version: 4, [9]));
    }

    [Fact]
    public async Task AWriteIsOneProcedureCall()
    {
        var key = StateKey.Fresh();
        await WriteAsync(key, version: null, [1]);

        await using var connection = await OpenAsync();
        var before = await CallsAsync(connection);
        Assert.Equal(2, await VersionResultAsync("WriteToStorageKey", key, version: 1, payload: [2], connection));
        Assert.Equal(1, await CallsAsync(connection) - before);
    }

    private Task<int?> WriteAsync(StateKey key, int? version, byte[] payload) => VersionResultAsync("WriteToStorageKey", key, version, payload);

    private async Task<int?> VersionResultAsync(string query, StateKey key, int? version, byte[]? payload, MySqlConnection? open = null)
    {
        await using var owned = open is null ? await OpenAsync() : null;
        await using var command = Command(query, key, (open ?? owned)!);
        command.Parameters.AddWithValue("GrainStateVersion", version is { } v ? v : DBNull.Value);
        if (payload is not null)
        {
            command.Parameters.AddWithValue("PayloadBinary", payload);
        }

        // Like the provider: every row of every result set; it expects exactly one.
        var results = new List<int?>();
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                var ordinal = reader.GetOrdinal("NewGrainStateVersion");
                results.Add(reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal));
            }
        }
        while (await reader.NextResultAsync());

        return Assert.Single(results);
    }

    private async Task AssertStoredAsync(StateKey key, byte[]? payload, int version)
    {
        await using var connection = await OpenAsync();
        await using var command = Command("ReadFromStorageKey", key, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no stored row");
        Assert.Equal(payload, reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0));
        Assert.Equal(version, reader.GetInt32(1));
        Assert.False(await reader.ReadAsync());
    }

    private MySqlCommand Command(string query, StateKey key, MySqlConnection connection)
    {
        var command = new MySqlCommand(queries[query], connection);
        command.Parameters.AddWithValue("GrainIdHash", key.IdHash);
        command.Parameters.AddWithValue("GrainIdN0", key.N0);
        command.Parameters.AddWithValue("GrainIdN1", key.N1);
        command.Parameters.AddWithValue("GrainTypeHash", key.TypeHash);
        command.Parameters.AddWithValue("GrainTypeString", key.Type);
        command.Parameters.AddWithValue("GrainIdExtensionString", (object?)key.Extension ?? DBNull.Value);
        command.Parameters.AddWithValue("ServiceId", ServiceId);
        return command;
    }

    private static async Task<long> CallsAsync(MySqlConnection connection)
    {
        await using var command = new MySqlCommand("SHOW SESSION STATUS LIKE 'Com_call_procedure'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return long.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
    }

    private async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(servers.Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private sealed record StateKey(int IdHash, int TypeHash, long N0, long N1, string Type, string? Extension)
    {
        public static StateKey Fresh() =>
            new(Random.Shared.Next(), Random.Shared.Next(), Random.Shared.NextInt64(), Random.Shared.NextInt64(), "storage-test", null);
    }
}
