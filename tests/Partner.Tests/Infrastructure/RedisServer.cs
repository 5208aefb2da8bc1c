using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Partner.Tests.Infrastructure;

public sealed class RedisServer : IAsyncDisposable
{
    private const string ServerExecutable = "redis-server";
    private const int PortAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly OutputTail output = new(100);
    private readonly string serverPath;
    private Process? process;
    private bool disposed;

    private RedisServer(string serverPath, string dataDirectory, int port, bool persistent)
    {
        this.serverPath = serverPath;
        DataDirectory = dataDirectory;
        Port = port;
        Persistent = persistent;
    }

    public int Port { get; private set; }

    public bool Persistent { get; }

    public string DataDirectory { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => process is { HasExited: false };

    public static async Task<RedisServer> StartAsync(bool persistent = false, CancellationToken ct = default)
    {
        var serverPath = ChildProcesses.FindExecutable(ServerExecutable)
            ?? throw new InvalidOperationException(ChildProcesses.MissingServerMessage(ServerExecutable));
        var dataDirectory = ChildProcesses.CreateTempDirectory("partner-redis-");
        var server = new RedisServer(serverPath, dataDirectory, FreePort.Next(), persistent);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await server.LaunchAsync(ct).ConfigureAwait(false);
                    return server;
                }
                catch (InvalidOperationException e) when (attempt < PortAttempts && e.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    server.Port = FreePort.Next();
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task StopAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        await lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (IsRunning)
            {
                throw new InvalidOperationException($"Redis on port {Port} is already running.");
            }

            await LaunchAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public void Kill()
    {
        lifecycle.Wait();
        try
        {
            var running = process;
            if (running is null)
            {
                return;
            }

            ChildProcesses.KillTree(running);
            running.WaitForExit(KillWait);
            Release(running);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Sends one command over a fresh RESP connection; arrays come back one element per line, nil as null.</summary>
    public async Task<string?> ExecuteAsync(params string[] command)
    {
        using var timeout = new CancellationTokenSource(CommandTimeout);
        return await ExecuteAsync(command, timeout.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            await StopCoreAsync().ConfigureAwait(false);
            ChildProcesses.DeleteDirectory(DataDirectory);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public override string ToString() => $"Redis {ConnectionString} ({DataDirectory})";

    private List<string> ServerArguments()
    {
        List<string> arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", DataDirectory,
            "--pidfile", Path.Combine(DataDirectory, "redis.pid"),
            "--save", string.Empty,
            "--appendonly", Persistent ? "yes" : "no",
            "--daemonize", "no",
        ];
        if (Persistent)
        {
            arguments.AddRange(["--appendfsync", "everysec"]);
        }

        return arguments;
    }

    private async Task LaunchAsync(CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(serverPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in ServerArguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var started = ChildProcesses.Start(startInfo, output.Add);
        process = started;
        try
        {
            await WaitUntilReadyAsync(started, ct).ConfigureAwait(false);
        }
        catch
        {
            ChildProcesses.KillTree(started);
            await ChildProcesses.WaitForExitAsync(started, KillWait).ConfigureAwait(false);
            Release(started);
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(Process started, CancellationToken ct)
    {
        var elapsed = Stopwatch.StartNew();
        Exception? lastError = null;
        while (elapsed.Elapsed < ReadyTimeout)
        {
            ct.ThrowIfCancellationRequested();
            if (started.HasExited)
            {
                await ChildProcesses.WaitForExitAsync(started, KillWait).ConfigureAwait(false);
                throw Failure($"redis-server exited with code {started.ExitCode} while starting", lastError);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(CommandTimeout);
                // PING answers -LOADING until the append-only file has been replayed.
                if (await ExecuteAsync(["PING"], timeout.Token).ConfigureAwait(false) == "PONG")
                {
                    var info = await ExecuteAsync(["INFO", "server"], timeout.Token).ConfigureAwait(false) ?? string.Empty;
                    // Another test's server may have grabbed the port.
                    if (!info.Contains($"process_id:{started.Id.ToString(CultureInfo.InvariantCulture)}\r", StringComparison.Ordinal))
                    {
                        throw Failure($"port {Port} is served by another Redis (Address already in use)", null);
                    }

                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or RedisErrorException
                || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                lastError = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }

        throw Failure($"redis-server did not answer PING within {ReadyTimeout}", lastError);
    }

    private async Task<string?> ExecuteAsync(string[] command, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), ct).ConfigureAwait(false);
        var stream = client.GetStream();

        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), ct).ConfigureAwait(false);
        using var reader = new BufferedStream(stream);
        return await ReadReplyAsync(reader, ct).ConfigureAwait(false);
    }

    private static async Task<string?> ReadReplyAsync(Stream reader, CancellationToken ct)
    {
        var line = await ReadLineAsync(reader, ct).ConfigureAwait(false);
        var payload = line[1..];
        switch (line[0])
        {
            case '+':
            case ':':
                return payload;
            case '-':
                throw new RedisErrorException(payload);
            case '$':
                var length = int.Parse(payload, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var buffer = new byte[length + 2];
                await reader.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
                return Encoding.UTF8.GetString(buffer, 0, length);
            case '*':
                var count = int.Parse(payload, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var elements = new List<string>(count);
                for (var i = 0; i < count; i++)
                {
                    elements.Add(await ReadReplyAsync(reader, ct).ConfigureAwait(false) ?? string.Empty);
                }

                return string.Join('\n', elements);
            default:
                throw new IOException($"Unexpected RESP reply: {line}");
        }
    }

    private static async Task<string> ReadLineAsync(Stream reader, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await reader.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                bytes.RemoveAt(bytes.Count - 1);
                return bytes.Count == 0 ? throw new IOException("Empty RESP line.") : Encoding.UTF8.GetString([.. bytes]);
            }

            bytes.Add(one[0]);
        }
    }

    private async Task StopCoreAsync()
    {
        var running = process;
        if (running is null)
        {
            return;
        }

        // SIGTERM makes redis fsync the append-only file before exiting.
        ChildProcesses.Terminate(running);
        if (!await ChildProcesses.WaitForExitAsync(running, StopTimeout).ConfigureAwait(false))
        {
            ChildProcesses.KillTree(running);
            await ChildProcesses.WaitForExitAsync(running, KillWait).ConfigureAwait(false);
        }

        Release(running);
    }

    private void Release(Process stopped)
    {
        ChildProcesses.Forget(stopped);
        stopped.Dispose();
        if (ReferenceEquals(process, stopped))
        {
            process = null;
        }
    }

    private InvalidOperationException Failure(string message, Exception? inner) =>
        new($"{message} (port {Port}, dir {DataDirectory}).\nredis-server output:\n{output}", inner);
}

public sealed class RedisErrorException(string message) : Exception(message);
