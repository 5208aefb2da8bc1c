using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Partner.Benchmarks;

/// <summary>
/// One user's connection to <c>/hubs/partner</c> through the real SignalR .NET client over WebSockets: connects, calls
/// <c>Resume(0)</c>, then records every pushed alarm in the run's <see cref="AlarmLedger"/>.
/// </summary>
public sealed class HubReceiver : IAsyncDisposable
{
    private readonly HubConnection connection;
    private readonly AlarmLedger ledger;
    private readonly HashSet<long> seqs = [];
    private long expected;

    private HubReceiver(HubConnection connection, AlarmLedger ledger)
    {
        this.connection = connection;
        this.ledger = ledger;
        connection.On<JsonElement>("alarm", OnAlarm);
    }

    /// <summary>Alarms raised to this user that succeeded at the API (each must arrive once).</summary>
    public long Expected => Interlocked.Read(ref expected);

    /// <summary>Distinct seqs received.</summary>
    public int Distinct
    {
        get
        {
            lock (seqs)
            {
                return seqs.Count;
            }
        }
    }

    public bool IsConnected => connection.State == HubConnectionState.Connected;

    public static async Task<HubReceiver> ConnectAsync(Uri node, string accessToken, AlarmLedger ledger, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node, "/hubs/partner"), options =>
            {
                // Straight to the WebSocket: the .NET client would keep each connection's negotiate HTTP connection open besides (a browser shares one).
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .Build();
        var receiver = new HubReceiver(connection, ledger);
        try
        {
            await connection.StartAsync(cancellationToken);
            await connection.InvokeAsync<JsonElement>("Resume", 0L, cancellationToken);
            return receiver;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Expect() => Interlocked.Increment(ref expected);

    /// <summary>The round trip of a hub call that touches no grain (unsubscribing from a room never subscribed), in milliseconds.</summary>
    public async Task<double> TrivialRoundTripAsync(CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await connection.InvokeAsync("UnsubscribeRoom", Guid.NewGuid(), cancellationToken);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    private void OnAlarm(JsonElement alarm)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var seq = alarm.GetProperty("seq").GetInt64();
        bool fresh;
        lock (seqs)
        {
            fresh = seqs.Add(seq);
        }

        ledger.Record(alarm.GetProperty("createdAt").GetDateTimeOffset(), receivedAt, duplicate: !fresh);
    }
}
