using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using MySqlConnector;

namespace Partner.Tests.Infrastructure;

public sealed class MariaDbServer : IAsyncDisposable
{
    public const string DatabaseName = "partner";
    public const string UserName = "partner";

    private const string ServerExecutable = "mariadbd";
    private const string InstallExecutable = "mariadb-install-db";
    private const int PortAttempts = 3;
    private const string AnotherServerMessage = "is served by another MariaDB";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly OutputTail output = new(100);
    private readonly string serverPath;
    private readonly string password;
    private Process? process;
    private bool disposed;

    private MariaDbServer(string serverPath, string rootDirectory, int port, string password)
    {
        this.serverPath = serverPath;
        this.password = password;
        RootDirectory = rootDirectory;
        Port = port;
    }

    public int Port { get; private set; }

    /// <summary>Holds the data and the temporary directory; deleted on dispose.</summary>
    public string RootDirectory { get; }

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>
    /// The instance's own temporary directory: instances sharing /tmp collide on their temporary tables' names
    /// (8 parallel installs: 2-3 failed with "File '/tmp/#sql-temptable-…MAD' not found"; 0 of 24 with one each).
    /// </summary>
    public string TempDirectory => Path.Combine(RootDirectory, "tmp");

    public string ErrorLogPath => Path.Combine(DataDirectory, "error.log");

    public bool IsRunning => process is { HasExited: false };

    public string ConnectionString => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        Database = DatabaseName,
        UserID = UserName,
        Password = password,
        Pooling = true,
        ConnectionTimeout = 5,
    }.ConnectionString;

    public string RootConnectionString => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "root",
        Password = string.Empty,
        Pooling = false,
        ConnectionTimeout = 5,
    }.ConnectionString;

    public static async Task<MariaDbServer> StartAsync(CancellationToken ct = default)
    {
        var serverPath = ChildProcesses.FindExecutable(ServerExecutable)
            ?? throw new InvalidOperationException(ChildProcesses.MissingServerMessage(ServerExecutable));
        var installPath = ChildProcesses.FindExecutable(InstallExecutable)
            ?? throw new InvalidOperationException(ChildProcesses.MissingServerMessage(InstallExecutable));

        var rootDirectory = ChildProcesses.CreateTempDirectory("partner-mariadb-");
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var server = new MariaDbServer(serverPath, rootDirectory, FreePort.Next(), password);
        try
        {
            Directory.CreateDirectory(server.DataDirectory);
            Directory.CreateDirectory(server.TempDirectory);
            await InstallAsync(installPath, server.DataDirectory, server.TempDirectory, ct).ConfigureAwait(false);
            for (var attempt = 1; ; attempt++)
            {
                File.Delete(server.ErrorLogPath);
                try
                {
                    await server.LaunchAsync(ct).ConfigureAwait(false);
                    break;
                }
                catch (InvalidOperationException e) when (attempt < PortAttempts && server.PortWasTaken(e))
                {
                    server.Port = FreePort.Next();
                }
            }

            await server.ProvisionAsync(ct).ConfigureAwait(false);
            return server;
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
                throw new InvalidOperationException($"MariaDB on port {Port} is already running.");
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

        ClearPool();
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
            ChildProcesses.DeleteDirectory(RootDirectory);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public override string ToString() => $"MariaDB 127.0.0.1:{Port} ({DataDirectory})";

    private static async Task InstallAsync(string installPath, string dataDirectory, string tempDirectory, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(installPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            // Must be first; keeps /etc/mysql settings (socket, log paths, bind address) out of the private instance.
            "--no-defaults",
            $"--user={Environment.UserName}",
            $"--datadir={dataDirectory}",
            // Passed on to the bootstrapping mariadbd.
            $"--tmpdir={tempDirectory}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var installOutput = new OutputTail(200);
        using var install = ChildProcesses.Start(startInfo, installOutput.Add);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(InstallTimeout);
            await install.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            ChildProcesses.KillTree(install);
            await ChildProcesses.WaitForExitAsync(install, KillWait).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{InstallExecutable} did not finish within {InstallTimeout}:\n{installOutput}");
        }
        finally
        {
            ChildProcesses.Forget(install);
        }

        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{InstallExecutable} --datadir={dataDirectory} failed with exit code {install.ExitCode}:\n{installOutput}");
        }
    }

    private string[] ServerArguments() =>
    [
        "--no-defaults",
        $"--user={Environment.UserName}",
        $"--datadir={DataDirectory}",
        $"--tmpdir={TempDirectory}",
        $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
        "--bind-address=127.0.0.1",
        $"--socket={Path.Combine(DataDirectory, "mysqld.sock")}",
        $"--pid-file={Path.Combine(DataDirectory, "mysqld.pid")}",
        $"--log-error={ErrorLogPath}",
        "--skip-name-resolve",
        "--max-connections=500",
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-buffer-size=8M",
        // Tests kill the server, not the machine: commits written to the OS cache survive that and skip an fsync each.
        "--innodb-flush-log-at-trx-commit=2",
        // Native AIO contexts are a machine-wide quota that parallel instances in containers can exhaust.
        "--innodb-use-native-aio=0",
        "--performance-schema=OFF",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
    ];

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
                throw Failure($"mariadbd exited with code {started.ExitCode} while starting", lastError);
            }

            try
            {
                await using var connection = new MySqlConnection(RootConnectionString);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = new MySqlCommand("SELECT @@datadir", connection);
                var served = Convert.ToString(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
                // Another test's server may have grabbed the port; its root also has no password.
                if (!SamePath(served, DataDirectory))
                {
                    throw Failure($"port {Port} {AnotherServerMessage} (datadir {served})", null);
                }

                return;
            }
            catch (Exception e) when (e is MySqlException or SocketException or IOException)
            {
                lastError = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }

        throw Failure($"mariadbd did not accept connections within {ReadyTimeout}", lastError);
    }

    private async Task ProvisionAsync(CancellationToken ct)
    {
        var sql = $"""
            CREATE DATABASE IF NOT EXISTS `{DatabaseName}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS '{UserName}'@'%' IDENTIFIED BY '{password}';
            CREATE USER IF NOT EXISTS '{UserName}'@'localhost' IDENTIFIED BY '{password}';
            GRANT ALL PRIVILEGES ON `{DatabaseName}`.* TO '{UserName}'@'%';
            GRANT ALL PRIVILEGES ON `{DatabaseName}`.* TO '{UserName}'@'localhost';
            FLUSH PRIVILEGES;
            """;
        await using var connection = new MySqlConnection(RootConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task StopCoreAsync()
    {
        var running = process;
        if (running is null)
        {
            return;
        }

        // The process we launched is the one that wrote the pid file (never daemonized), and its pid cannot be stale.
        ChildProcesses.Terminate(running);
        if (!await ChildProcesses.WaitForExitAsync(running, StopTimeout).ConfigureAwait(false))
        {
            ChildProcesses.KillTree(running);
            await ChildProcesses.WaitForExitAsync(running, KillWait).ConfigureAwait(false);
        }

        Release(running);
        ClearPool();
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

    private void ClearPool()
    {
        using var connection = new MySqlConnection(ConnectionString);
        MySqlConnection.ClearPool(connection);
    }

    private bool PortWasTaken(InvalidOperationException failure)
    {
        var log = ErrorLogTail();
        return log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
            || log.Contains("another server running on port", StringComparison.OrdinalIgnoreCase)
            || failure.Message.Contains(AnotherServerMessage, StringComparison.Ordinal);
    }

    private InvalidOperationException Failure(string message, Exception? inner) =>
        new($"{message} (port {Port}, datadir {DataDirectory}).\nmariadbd output:\n{output}\nerror.log tail:\n{ErrorLogTail()}", inner);

    private string ErrorLogTail()
    {
        try
        {
            using var stream = new FileStream(ErrorLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
        }
        catch (IOException)
        {
            return "(no error log)";
        }
    }

    private static bool SamePath(string? left, string right) =>
        left is not null && string.Equals(
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(left)),
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(right)),
            StringComparison.Ordinal);
}
