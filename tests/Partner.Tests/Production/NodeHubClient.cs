using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Api.Hosting;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

/// <summary>The real SignalR .NET client over WebSockets to an API process (token in the Authorization header, as non-browser clients send it).</summary>
public sealed class NodeHubClient : IAsyncDisposable
{
    /// <summary>How long a push may take to arrive: long enough for a node or silo to recover first.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private readonly Channel<JsonElement> alarms = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<JsonElement> tickets = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeHubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<JsonElement>("alarm", alarm => alarms.Writer.TryWrite(alarm));
        connection.On<JsonElement>("ticketUpdated", ticket => tickets.Writer.TryWrite(ticket));
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public Task Closed => closed.Task;

    public JsonElement[] Resumed { get; private set; } = [];

    /// <summary>Connects, then <c>Resume(lastSeq)</c> as clients do (answered once the connection's feed is subscribed).</summary>
    public static async Task<NodeHubClient> ConnectAsync(ApiProcess node, string token, long lastSeq = 0)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.Http.BaseAddress!, "/hubs/partner"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(options => JsonSetup.Configure(options.PayloadSerializerOptions))
            .Build();
        var client = new NodeHubClient(connection);
        await connection.StartAsync();
        client.Resumed = await connection.InvokeAsync<JsonElement[]>("Resume", lastSeq);
        return client;
    }

    public async Task<JsonElement> NextAlarmAsync()
    {
        using var timeout = new CancellationTokenSource(Wait);
        return await alarms.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>The next <c>ticketUpdated</c> with <paramref name="status"/>; others before it are passed over.</summary>
    public async Task<JsonElement> NextTicketAsync(string status)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            var ticket = await tickets.Reader.ReadAsync(timeout.Token);
            if (ticket.GetProperty("status").GetString() == status)
            {
                return ticket;
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
