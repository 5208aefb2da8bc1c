using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Partner.Api.Hosting;
using Partner.Tests.Api;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Live;

/// <summary>
/// The real SignalR .NET client on <c>/hubs/partner</c> over WebSockets, recording what it is sent: through the test server
/// (token in the query, as browsers send it) or to an API process (token in the Authorization header, as non-browser clients send it).
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    /// <summary>How long a push may take to arrive from an API process: long enough for a node or silo to recover first.</summary>
    private static readonly TimeSpan NodeWait = TimeSpan.FromSeconds(45);
    private readonly TimeSpan wait;
    private readonly Channel<JsonElement> alarms = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<JsonElement> rooms = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<JsonElement> tickets = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<Exception?> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LiveClient(HubConnection connection, TimeSpan wait)
    {
        Connection = connection;
        this.wait = wait;
        connection.On<JsonElement>("alarm", alarm => alarms.Writer.TryWrite(alarm));
        connection.On<JsonElement>("roomUpdated", room => rooms.Writer.TryWrite(room));
        connection.On<JsonElement>("ticketUpdated", ticket => tickets.Writer.TryWrite(ticket));
        connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public Task<Exception?> Closed => closed.Task;

    /// <summary>What <c>Resume</c> returned when the client connected.</summary>
    public JsonElement[] Resumed { get; private set; } = [];

    /// <summary>
    /// Connects as a client should: then <c>Resume(lastSeq)</c>, which the hub answers once this
    /// connection's feed is subscribed — what was raised before is in the answer, what comes after is pushed.
    /// </summary>
    public static async Task<LiveClient> ConnectAsync(PartnerApiFactory factory, string accessToken, long lastSeq = 0)
    {
        var server = factory.Server;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/partner"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                // As browsers do: WebSockets carry the token in the query (the .NET client would send a header).
                options.WebSocketFactory = (context, cancellationToken) => new ValueTask<System.Net.WebSockets.WebSocket>(
                    server.CreateWebSocketClient().ConnectAsync(WithToken(context.Uri, accessToken), cancellationToken));
            })
            .AddJsonProtocol(options => JsonSetup.Configure(options.PayloadSerializerOptions))
            .Build();
        return await StartAsync(new LiveClient(connection, TimeSpan.FromSeconds(10)), lastSeq);
    }

    /// <summary>Connects to an API process, then <c>Resume(lastSeq)</c> as clients do.</summary>
    public static async Task<LiveClient> ConnectAsync(ApiProcess node, string accessToken, long lastSeq = 0)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.Http.BaseAddress!, "/hubs/partner"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .AddJsonProtocol(options => JsonSetup.Configure(options.PayloadSerializerOptions))
            .Build();
        return await StartAsync(new LiveClient(connection, NodeWait), lastSeq);
    }

    private static async Task<LiveClient> StartAsync(LiveClient client, long lastSeq)
    {
        await client.Connection.StartAsync();
        client.Resumed = await client.Connection.InvokeAsync<JsonElement[]>("Resume", lastSeq);
        return client;
    }

    private static Uri WithToken(Uri uri, string accessToken) =>
        new($"{uri}{(string.IsNullOrEmpty(uri.Query) ? "?" : "&")}access_token={Uri.EscapeDataString(accessToken)}");

    public Task<JsonElement> NextAlarmAsync() => NextAsync(alarms, "alarm");

    /// <summary>The next push that ended a ticket (matched, expired, cancelled); pushes of a waiting ticket's changed figures are passed over.</summary>
    public Task<JsonElement> NextTicketAsync() => NextTicketAsync(ticket => ticket.GetProperty("status").GetString() != "WAITING");

    /// <summary>The next <c>ticketUpdated</c> that <paramref name="wanted"/> accepts; the ones before it are passed over.</summary>
    public async Task<JsonElement> NextTicketAsync(Func<JsonElement, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(wait);
        while (true)
        {
            var ticket = await NextAsync(tickets, "ticketUpdated", timeout.Token);
            if (wanted(ticket))
            {
                return ticket;
            }
        }
    }

    /// <summary>The next room update newer than <paramref name="version"/> (older ones can precede a subscription's answer; clients keep the newest).</summary>
    public async Task<JsonElement> NextRoomAsync(long version = 0)
    {
        while (true)
        {
            var room = await NextAsync(rooms, "roomUpdated");
            if (room.GetProperty("version").GetInt64() > version)
            {
                return room;
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private async Task<JsonElement> NextAsync(Channel<JsonElement> channel, string what, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await channel.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {what} within {wait}");
        }
    }
}
