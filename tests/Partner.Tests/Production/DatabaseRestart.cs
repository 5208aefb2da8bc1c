using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Partner.Tests.Infrastructure;
using Partner.Tests.Rooms;
using static Partner.Tests.Production.OutageScenario;

namespace Partner.Tests.Production;

/// <summary>
/// The real MariaDB stopped and started again on the same data directory and port, under a silo whose pooled connections
/// (opened before, never reset on use) the server has closed: the next storage calls and the next join still succeed,
/// because a call that meets a closed connection clears the pools and is retried once.
/// </summary>
[Collection(ProductionFaultsCollection.Name)]
public sealed class DatabaseRestart(ProductionServers servers)
{
    private const string Retried = "lost its database connection";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task StorageCallsRightAfterARestartSucceedOnConnectionsPooledBeforeIt()
    {
        await using var database = await MariaDbServer.StartAsync();
        var log = new WarningLog();
        await using var silo = await InProcessSilo.StartAsync(database, servers.Redis, services => services.AddSingleton<ILoggerProvider>(log));
        var grains = Enumerable.Range(0, 8).Select(_ => silo.Grains.GetGrain<ILargeStateGrain>(Guid.NewGuid())).ToList();
        await Task.WhenAll(grains.Select(grain => grain.Write([1])));
        Assert.True(await SiloConnectionsAsync(database) >= 2, "the silo pooled several connections before the restart");

        await database.StopAsync();
        await database.StartAgainAsync();

        foreach (var grain in grains)
        {
            await grain.Deactivate();
            Assert.Equal([1], await grain.Read());
            await grain.Write([2]);
        }

        await Task.WhenAll(grains.Select(grain => grain.Deactivate()));
        Assert.All(await Task.WhenAll(grains.Select(grain => grain.Read())), payload => Assert.Equal([2], payload));
        Assert.Contains(log.Entries, entry => entry.Contains(Retried, StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, entry => entry.StartsWith("Grain storage", StringComparison.Ordinal) && entry.Contains("could not", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AJoinRightAfterARestartIsWrittenWithoutA503()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        var silo = await cluster.StartSiloAsync();
        var api = await cluster.StartApiAsync(new Dictionary<string, string?> { ["Auth__DevLogin"] = "true" });
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);
        var (alice, bob, carol) = (await SignInAsync(api), await SignInAsync(api), await SignInAsync(api));
        var room = (await ExpectAsync(api, HttpMethod.Post, "/api/rooms", alice, HttpStatusCode.Created, RoomRequests.Body(capacity: 3))).GetProperty("roomId").GetGuid();
        await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{room}/participants/me", bob, HttpStatusCode.Created);
        // Sign-ins at once leave many connections in the silo's pool: more than its background work can use up first.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => SignInAsync(api)));
        Assert.True(await SiloConnectionsAsync(database) >= 4, "the silo pooled several connections before the restart");

        await database.StopAsync();
        await database.StartAgainAsync();

        var joined = await ExpectAsync(api, HttpMethod.Put, $"/api/rooms/{room}/participants/me", carol, HttpStatusCode.Created);
        Assert.Equal(3, joined.GetProperty("participantCount").GetInt32());
        Assert.Contains(Retried, silo.Process.Output, StringComparison.Ordinal);
    }

    private static async Task<int> SiloConnectionsAsync(MariaDbServer database)
    {
        await using var connection = new MySqlConnection(database.RootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{MariaDbServer.UserName}'", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The warnings the silo logs.</summary>
    private sealed class WarningLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> entries = new();

        public IReadOnlyCollection<string> Entries => entries;

        public ILogger CreateLogger(string categoryName) => new Logger(entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
