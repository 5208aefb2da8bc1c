using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// The idle-connection baseline: a bare SignalR server (<c>AddSignalR()</c>, one empty hub, no auth, no other middleware),
/// run as a child process of this benchmark (<c>bare-hub --port N</c>) with the same GC as the API (server, concurrent).
/// </summary>
public sealed class BareHub : IAsyncDisposable
{
    public const string Command = "bare-hub";
    public const string HubPath = "/hubs/bare";

    private const string ReadyLine = "bare-hub: listening";
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    private readonly Process process;

    private BareHub(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Pid => process.Id;

    public int Port { get; }

    /// <summary>The server itself: listens on <paramref name="addresses"/> at the port given by <c>--port</c> until stopped.</summary>
    public static async Task<int> ServeAsync(string[] args, IReadOnlyList<string> addresses)
    {
        if (args is not [Command, "--port", var portText] || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            await Console.Error.WriteLineAsync($"usage: {Command} --port N");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in addresses)
            {
                kestrel.Listen(IPAddress.Parse(address), port);
            }
        });
        builder.Services.AddSignalR();
        await using var app = builder.Build();
        app.MapHub<EmptyHub>(HubPath);
        await app.StartAsync();
        Console.WriteLine(ReadyLine);
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>Starts this benchmark's own executable as the server; ready once it listens.</summary>
    public static async Task<BareHub> StartAsync(CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var self = Environment.ProcessPath ?? "dotnet";
        var startInfo = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            startInfo.ArgumentList.Add(typeof(BareHub).Assembly.Location);
        }

        foreach (var argument in new[] { Command, "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = new BareHub(ChildProcesses.Start(startInfo, line =>
        {
            if (line == ReadyLine)
            {
                ready.TrySetResult();
            }
            else
            {
                Console.WriteLine("  bare hub: " + line);
            }
        }), port);
        try
        {
            await ready.Task.WaitAsync(StartWait, cancellationToken);
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    public Uri Address(string host) => new UriBuilder("http", host, Port, HubPath).Uri;

    /// <summary>One connection through the real SignalR .NET client, as the receivers connect to node A (WebSockets, no negotiate).</summary>
    public static async Task<HubConnection> ConnectAsync(Uri hub, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(hub, options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        try
        {
            await connection.StartAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        ChildProcesses.Terminate(process);
        if (!await ChildProcesses.WaitForExitAsync(process, StopWait))
        {
            ChildProcesses.KillTree(process);
            await ChildProcesses.WaitForExitAsync(process, StopWait);
        }

        ChildProcesses.Forget(process);
        process.Dispose();
    }

    internal sealed class EmptyHub : Hub;
}
