using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Partner.Silo.Database;

public sealed partial class DatabaseMigrator(ILogger<DatabaseMigrator> logger)
{
    public const string ScriptResourceName = "Partner.Silo.Database.Schema.orleans-mysql.sql";
    public const string StatementSeparator = "-- statement";

    private const string LockName = "partner-schema";
    private const int LockTimeoutSeconds = 60;

    /// <summary>Applies the script unless this exact script was applied before (recorded by its SHA-256 in PartnerSchemaHistory).</summary>
    public async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        var statements = Statements();
        var scriptHash = ScriptHash(statements);
        var stopwatch = Stopwatch.StartNew();

        var builder = new MySqlConnectionStringBuilder(connectionString)
        {
            // A pooled session would keep the named lock if releasing it failed; closing an unpooled one frees it.
            Pooling = false,
            // Statements carry no parameters, so any @name in the script is a session variable.
            AllowUserVariables = true,
        };

        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await AcquireLockAsync(connection, cancellationToken);
        try
        {
            // Re-creating procedures under running silos would fail their writes for a moment: skip a script already applied.
            if (await AlreadyAppliedAsync(connection, scriptHash, cancellationToken))
            {
                LogSchemaCurrent(scriptHash[..12]);
                return;
            }

            for (var index = 0; index < statements.Count; index++)
            {
                await using var command = new MySqlCommand(statements[index], connection);
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (MySqlException exception)
                {
                    LogStatementFailed(exception, index + 1, statements.Count, Summary(statements[index]));
                    throw;
                }
            }

            await RecordAppliedAsync(connection, scriptHash, cancellationToken);
        }
        finally
        {
            await ReleaseLockAsync(connection);
        }

        LogSchemaApplied(statements.Count, stopwatch.ElapsedMilliseconds);
    }

    public static string ScriptHash(IReadOnlyList<string> statements) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n-- statement\n", statements))));

    private static async Task<bool> AlreadyAppliedAsync(MySqlConnection connection, string scriptHash, CancellationToken cancellationToken)
    {
        await using (var create = new MySqlCommand(
            "CREATE TABLE IF NOT EXISTS PartnerSchemaHistory (ScriptHash CHAR(64) NOT NULL PRIMARY KEY, AppliedOn DATETIME(3) NOT NULL) ENGINE = InnoDB DEFAULT CHARSET = ascii",
            connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var query = new MySqlCommand("SELECT COUNT(*) FROM PartnerSchemaHistory WHERE ScriptHash = @hash", connection);
        query.Parameters.AddWithValue("@hash", scriptHash);
        return Convert.ToInt64(await query.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    private static async Task RecordAppliedAsync(MySqlConnection connection, string scriptHash, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("INSERT IGNORE INTO PartnerSchemaHistory (ScriptHash, AppliedOn) VALUES (@hash, UTC_TIMESTAMP(3))", connection);
        command.Parameters.AddWithValue("@hash", scriptHash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static IReadOnlyList<string> Statements()
    {
        using var stream = typeof(DatabaseMigrator).Assembly.GetManifestResourceStream(ScriptResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ScriptResourceName}' not found.");
        using var reader = new StreamReader(stream);
        return Split(reader.ReadToEnd());
    }

    public static IReadOnlyList<string> Split(string script)
    {
        var statements = new List<string>();
        var current = new List<string>();
        foreach (var line in script.Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.Trim() == StatementSeparator)
            {
                AddStatement(statements, current);
                current.Clear();
            }
            else
            {
                current.Add(text);
            }
        }

        AddStatement(statements, current);
        return statements;
    }

    private static void AddStatement(List<string> statements, List<string> lines)
    {
        var hasSql = lines.Exists(line =>
        {
            var trimmed = line.Trim();
            return trimmed.Length > 0 && !trimmed.StartsWith("--", StringComparison.Ordinal);
        });
        if (hasSql)
        {
            statements.Add(string.Join('\n', lines).Trim());
        }
    }

    private async Task AcquireLockAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SELECT GET_LOCK(@name, @timeout)", connection)
        {
            CommandTimeout = LockTimeoutSeconds + 30,
        };
        command.Parameters.AddWithValue("@name", LockName);
        command.Parameters.AddWithValue("@timeout", LockTimeoutSeconds);

        var waited = Stopwatch.StartNew();
        var result = await command.ExecuteScalarAsync(cancellationToken);
        if (result is null or DBNull || Convert.ToInt64(result, CultureInfo.InvariantCulture) != 1)
        {
            throw new TimeoutException($"Could not take the database lock '{LockName}' within {LockTimeoutSeconds} s.");
        }

        LogLockAcquired(LockName, waited.ElapsedMilliseconds);
    }

    private async Task ReleaseLockAsync(MySqlConnection connection)
    {
        try
        {
            await using var command = new MySqlCommand("SELECT RELEASE_LOCK(@name)", connection);
            command.Parameters.AddWithValue("@name", LockName);
            await command.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (MySqlException exception)
        {
            // Not rethrown: it would hide the migration's own error, and closing the session frees the lock anyway.
            LogLockReleaseFailed(exception, LockName);
        }
    }

    private static string Summary(string statement)
    {
        var firstSql = statement.Split('\n')
            .Select(line => line.Trim())
            .First(line => line.Length > 0 && !line.StartsWith("--", StringComparison.Ordinal));
        return firstSql.Length <= 120 ? firstSql : firstSql[..120];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "schema {ScriptHash} already applied; nothing to do")]
    private partial void LogSchemaCurrent(string scriptHash);

    [LoggerMessage(Level = LogLevel.Information, Message = "schema applied: {StatementCount} statements in {ElapsedMilliseconds} ms")]
    private partial void LogSchemaApplied(int statementCount, long elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "schema lock {LockName} taken after {ElapsedMilliseconds} ms")]
    private partial void LogLockAcquired(string lockName, long elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "schema statement {Number} of {Count} failed: {Statement}")]
    private partial void LogStatementFailed(Exception exception, int number, int count, string statement);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not release schema lock {LockName}; it is freed when the connection closes")]
    private partial void LogLockReleaseFailed(Exception exception, string lockName);
}
