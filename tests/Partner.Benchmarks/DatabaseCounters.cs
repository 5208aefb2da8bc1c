using System.Globalization;
using MySqlConnector;

namespace Partner.Benchmarks;

/// <summary>MariaDB's global status counters that show what a run cost the database.</summary>
public sealed class DatabaseCounters(string rootConnectionString)
{
    public static readonly string[] Names =
    [
        "Com_call_procedure", "Com_commit", "Com_rollback", "Handler_update", "Handler_write",
        "Innodb_data_fsyncs", "Innodb_log_writes", "Innodb_os_log_written", "Bytes_received",
    ];

    public async Task<IReadOnlyDictionary<string, long>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(rootConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            $"SHOW GLOBAL STATUS WHERE Variable_name IN ({string.Join(", ", Names.Select(n => $"'{n}'"))})", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken))
        {
            values[reader.GetString(0)] = long.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>Stored grain states by grain type: how many, and their average and largest payload in bytes.</summary>
    public async Task<IReadOnlyList<(string GrainType, long Count, double AverageBytes, long MaxBytes)>> GrainStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(rootConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            "SELECT GrainTypeString, COUNT(*), AVG(LENGTH(PayloadBinary)), MAX(LENGTH(PayloadBinary)) FROM partner.OrleansStorage GROUP BY GrainTypeString ORDER BY COUNT(*) DESC",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new List<(string, long, double, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            states.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetDouble(2), reader.IsDBNull(3) ? 0 : reader.GetInt64(3)));
        }

        return states;
    }

    public static IReadOnlyDictionary<string, long> Between(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key), StringComparer.OrdinalIgnoreCase);
}
