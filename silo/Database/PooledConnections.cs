using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using MySqlConnector;
using Partner.Silo.Hosting;

namespace Partner.Silo.Database;

/// <summary>
/// MySqlConnector resets a pooled connection each time it is taken from the pool (<c>ConnectionReset=true</c>, its default):
/// a server round trip that also empties the session's stored-procedure cache, so every storage <c>CALL</c> makes MariaDB
/// parse its procedure again. Measured on MariaDB 10.11 with <c>OrleansStorageWrite</c> (16 at once, 1.5 KB states):
/// 365 µs of server CPU per call with the reset, 123 µs without. Partner's queries leave no session state behind (no user
/// variables, temporary tables or transactions outlive a query), so the ADO.NET providers' connections skip the reset —
/// unless their connection string names <c>ConnectionReset</c> itself, which then wins.
/// Without the reset a pooled connection is handed out with no round trip, so after a MariaDB restart each one the server
/// closed fails its first command: the storage and reminder wrappers then clear the pools and retry that call once
/// (<see cref="RetryOnceOnBrokenConnectionAsync{T}"/>). (MySqlConnector 2.6's <c>ConnectionIdlePingTime</c> is no longer supported.)
/// </summary>
public static class PooledConnections
{
    private const string ResetKey = "ConnectionReset";

    /// <summary>Adds, on top of every other source, each ADO.NET provider's MySQL connection string without the pool reset.</summary>
    public static void SkipResetOnTop(IConfigurationManager configuration)
    {
        var tuned = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var connection in ProviderConnections.Find(configuration))
        {
            if (!string.Equals(connection.Invariant, OrleansProviderDefaults.MySqlInvariant, StringComparison.Ordinal)
                || connection.ConnectionString is not { Length: > 0 } connectionString
                || WithoutReset(connectionString) is not { } withoutReset)
            {
                continue;
            }

            var key = configuration[$"{connection.SectionPath}:ConnectionString"] is { Length: > 0 }
                ? $"{connection.SectionPath}:ConnectionString"
                : $"ConnectionStrings:{connection.ConnectionName}";
            tuned[key] = withoutReset;
        }

        if (tuned.Count > 0)
        {
            configuration.AddInMemoryCollection(tuned);
        }
    }

    /// <summary><paramref name="connectionString"/> with <c>ConnectionReset=false</c>; null when it already says (or is not a MySQL connection string).</summary>
    public static string? WithoutReset(string connectionString)
    {
        MySqlConnectionStringBuilder builder;
        try
        {
            builder = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // Not ours to fix: the provider reports a malformed connection string with its own message.
            return null;
        }

        if (builder.ContainsKey(ResetKey))
        {
            return null;
        }

        builder.ConnectionReset = false;
        return builder.ConnectionString;
    }

    /// <summary>
    /// Runs <paramref name="call"/>; if it failed on a connection the server had closed, forgets every pooled connection
    /// (those taken before the same restart are as stale) and runs it once more on a fresh one.
    /// </summary>
    public static async Task<T> RetryOnceOnBrokenConnectionAsync<T>(Func<Task<T>> call, Action<Exception> retrying)
    {
        try
        {
            return await call();
        }
        catch (Exception failure) when (IsBrokenConnection(failure))
        {
            retrying(failure);
            await MySqlConnection.ClearAllPoolsAsync();
            return await call();
        }
    }

    /// <summary>
    /// True when <paramref name="failure"/> is MySqlConnector losing an open connection (end of stream, socket error): not a SQL
    /// error, and not a connection that could not be opened (the server is down; a retry would only wait again).
    /// </summary>
    public static bool IsBrokenConnection(Exception failure)
    {
        var driver = false;
        var transport = false;
        for (var cause = failure; cause is not null; cause = cause.InnerException)
        {
            if (cause is MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost })
            {
                return false;
            }

            driver |= cause is MySqlException;
            transport |= cause is IOException or SocketException;
        }

        return driver && transport;
    }
}
