using System.Globalization;
using MySqlConnector;

namespace Partner.Benchmarks;

/// <summary>
/// The original service's join, driven straight through MySqlConnector (no HTTP, no ORM, so an upper
/// bound for its database path): in one transaction read the room, refuse when full, insert the
/// participant, bump the count under an optimistic version check; on a lost race roll back and retry.
/// </summary>
public sealed class BaselineJoins : IAsyncDisposable
{
    private readonly MySqlDataSource dataSource;
    private readonly BenchmarkOptions options;
    private long nextRoomId = 1;
    private long nextUser;
    private long retries;
    private long deadlocks;

    public BaselineJoins(string connectionString, BenchmarkOptions options)
    {
        this.options = options;
        dataSource = new MySqlDataSource(new MySqlConnectionStringBuilder(connectionString)
        {
            MaximumPoolSize = (uint)(options.Concurrency.Max() + 8),
            MinimumPoolSize = 0,
            // As Partner's silos connect (and as a Spring service's pool would): no session reset per use.
            ConnectionReset = false,
        }.ConnectionString);
    }

    public async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand("""
            DROP TABLE IF EXISTS baseline_participant;
            DROP TABLE IF EXISTS baseline_room;
            CREATE TABLE baseline_room (id BIGINT PRIMARY KEY, capacity INT NOT NULL, participants INT NOT NULL, version INT NOT NULL) ENGINE=InnoDB;
            CREATE TABLE baseline_participant (room_id BIGINT NOT NULL, user_id BIGINT NOT NULL, PRIMARY KEY (room_id, user_id)) ENGINE=InnoDB;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Fresh rooms, each holding its owner (participants = 1), as the service's rooms do.</summary>
    public async Task<long[]> CreateRoomsAsync(int count, CancellationToken cancellationToken)
    {
        var first = nextRoomId;
        nextRoomId += count;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // MariaDB's sequence engine: seq_A_to_B is a virtual table of the integers A..B.
        var last = first + count - 1;
        await using var command = new MySqlCommand(
            string.Create(CultureInfo.InvariantCulture, $"INSERT INTO baseline_room (id, capacity, participants, version) SELECT seq, @capacity, 1, 0 FROM seq_{first}_to_{last}"),
            connection);
        command.Parameters.AddWithValue("@capacity", options.Capacity);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return [.. Enumerable.Range(0, count).Select(i => first + i)];
    }

    public async Task<RoomPool<long>> PrepareAsync(int slots, double expectedRate, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Rooms cost the baseline one row each, so it prepares generously: running out would count full rooms instead of joins.
        var rooms = await CreateRoomsAsync(slots + (int)Math.Ceiling(expectedRate * 4 * duration.TotalSeconds / options.Seats), cancellationToken);
        return new RoomPool<long>(rooms.Take(slots), rooms.Skip(slots), options.Seats);
    }

    public async Task<JoinRun> RunAsync(RoomPool<long> pool, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref retries, 0);
        Interlocked.Exchange(ref deadlocks, 0);
        var load = await ClosedLoop.RunAsync(workers, duration, (_, ct) => JoinAsync(pool, ct), cancellationToken);
        return new JoinRun(load, pool.Slots, pool.Rotations, pool.Exhausted, new Dictionary<string, long>
        {
            ["retries (version conflict)"] = Interlocked.Read(ref retries),
            ["retries (deadlock, lock wait)"] = Interlocked.Read(ref deadlocks),
        });
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private async ValueTask<Outcome> JoinAsync(RoomPool<long> pool, CancellationToken cancellationToken)
    {
        var (slot, room) = pool.Pick();
        var user = (Interlocked.Increment(ref nextUser) % options.Users) + 1;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; attempt <= options.BaselineTries; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                int participants, capacity, version;
                await using (var read = new MySqlCommand("SELECT participants, capacity, version FROM baseline_room WHERE id = @room", connection, transaction))
                {
                    read.Parameters.AddWithValue("@room", room);
                    await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                    await reader.ReadAsync(cancellationToken);
                    (participants, capacity, version) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
                }

                if (participants >= capacity)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    pool.Full(slot, room);
                    return Outcome.Other("full");
                }

                await using (var insert = new MySqlCommand("INSERT INTO baseline_participant (room_id, user_id) VALUES (@room, @user)", connection, transaction))
                {
                    insert.Parameters.AddWithValue("@room", room);
                    insert.Parameters.AddWithValue("@user", user);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                int updated;
                await using (var update = new MySqlCommand(
                    "UPDATE baseline_room SET participants = participants + 1, version = version + 1 WHERE id = @room AND version = @version", connection, transaction))
                {
                    update.Parameters.AddWithValue("@room", room);
                    update.Parameters.AddWithValue("@version", version);
                    updated = await update.ExecuteNonQueryAsync(cancellationToken);
                }

                if (updated == 1)
                {
                    await transaction.CommitAsync(cancellationToken);
                    pool.Joined(slot, room);
                    return Outcome.Ok("joined");
                }

                await transaction.RollbackAsync(cancellationToken);
                Interlocked.Increment(ref retries);
            }
            catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
            {
                await transaction.RollbackAsync(cancellationToken);
                return Outcome.Other("already in");
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
            {
                await transaction.RollbackAsync(cancellationToken);
                Interlocked.Increment(ref deadlocks);
            }
        }

        return Outcome.Other("gave up after retries");
    }
}
