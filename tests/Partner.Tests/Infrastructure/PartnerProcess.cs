using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Partner.Tests.Infrastructure;

public sealed class PartnerProcess : IAsyncDisposable
{
    public const string KeepLogsVariable = "PARTNER_KEEP_TEST_LOGS";

    private const int TailLineCount = 60;
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(15);

    // Host-level settings inherited from the test runner would silently override what a test configures.
    private static readonly string[] UninheritedVariables =
    [
        "ASPNETCORE_ENVIRONMENT",
        "DOTNET_ENVIRONMENT",
        "ASPNETCORE_URLS",
        "DOTNET_URLS",
        "ASPNETCORE_HTTP_PORTS",
        "ASPNETCORE_HTTPS_PORTS",
    ];

    private readonly Lock gate = new();
    private readonly List<string> lines = [];
    private readonly List<(string Text, TaskCompletionSource Signal)> waiters = [];
    private readonly string name;
    private readonly string logDirectory;
    private readonly StreamWriter log;
    private readonly Process process;
    private bool outputClosed;
    private bool logClosed;
    private int disposed;

    private PartnerProcess(string name, ProcessStartInfo startInfo)
    {
        this.name = name;
        logDirectory = ChildProcesses.CreateTempDirectory("partner-proc-", deleteAtExit: !KeepLogs);
        LogPath = Path.Combine(logDirectory, SafeFileName(name) + ".log");
        log = new StreamWriter(LogPath, append: true, new UTF8Encoding(false)) { AutoFlush = true };
        try
        {
            process = ChildProcesses.Start(startInfo, OnLine);
        }
        catch
        {
            log.Dispose();
            ChildProcesses.DeleteDirectory(logDirectory);
            throw;
        }

        Pid = process.Id;
        _ = ObserveExitAsync();
    }

    public string Name => name;

    public int Pid { get; }

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    public string Output
    {
        get
        {
            lock (gate)
            {
                return string.Join('\n', lines);
            }
        }
    }

    /// <summary>Runs the built silo or api; a null value in <paramref name="environment"/> removes an inherited variable.</summary>
    public static PartnerProcess Start(string project, IReadOnlyDictionary<string, string?> environment, string name, params string[] arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var assembly = ResolveAssembly(project);
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            // The host's content root (appsettings.json) defaults to the working directory.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        startInfo.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var variable in UninheritedVariables)
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        return new PartnerProcess(name, startInfo);
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);

        TaskCompletionSource signal;
        lock (gate)
        {
            if (lines.Exists(line => line.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            if (outputClosed)
            {
                throw new InvalidOperationException(ExitedMessage(text));
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((text, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (gate)
            {
                waiters.RemoveAll(waiter => waiter.Signal == signal);
            }

            throw new TimeoutException(
                $"Process '{name}' (pid {Pid}) did not print \"{text}\" within {timeout}. Last {TailLineCount} lines:\n{Tail()}");
        }
    }

    /// <summary>Waits for the process to exit by itself, with every line of its output seen; null if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            return process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public void Kill() => ChildProcesses.KillTree(process);

    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            await ChildProcesses.WaitForExitAsync(process, KillWait).ConfigureAwait(false);
            return;
        }

        ChildProcesses.Terminate(process);
        if (!await ChildProcesses.WaitForExitAsync(process, timeout).ConfigureAwait(false))
        {
            Kill();
            await ChildProcesses.WaitForExitAsync(process, KillWait).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        Kill();
        await ChildProcesses.WaitForExitAsync(process, KillWait).ConfigureAwait(false);
        ChildProcesses.Forget(process);
        lock (gate)
        {
            logClosed = true;
            log.Dispose();
        }

        process.Dispose();
        if (!KeepLogs)
        {
            ChildProcesses.DeleteDirectory(logDirectory);
        }
    }

    public override string ToString() => $"{name} (pid {Pid})";

    private static bool KeepLogs => Environment.GetEnvironmentVariable(KeepLogsVariable) is "1" or "true";

    private static string ResolveAssembly(string project)
    {
        var assemblyName = project.ToLowerInvariant() switch
        {
            "silo" => "Partner.Silo",
            "api" => "Partner.Api",
            _ => throw new ArgumentException($"Unknown project '{project}'; expected \"silo\" or \"api\".", nameof(project)),
        };

        var root = TestEnvironment.RepoRoot;
        var configuration = TestEnvironment.BuildConfiguration;
        var relative = Path.Combine("bin", configuration, "net10.0", assemblyName + ".dll");
        string[] candidates =
        [
            Path.Combine(root, project, relative),
            Path.Combine(root, "src", project, relative),
            Path.Combine(root, assemblyName, relative),
            Path.Combine(root, "src", assemblyName, relative),
        ];

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"{assemblyName}.dll has not been built for configuration {configuration}; build the solution first "
                + $"(dotnet build -c {configuration}). Looked in: {string.Join(", ", candidates)}");
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static string SafeFileName(string value)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(value.Select(c => Array.IndexOf(invalid, c) >= 0 || char.IsWhiteSpace(c) ? '_' : c).ToArray());
    }

    private void OnLine(string line)
    {
        List<TaskCompletionSource>? matched = null;
        lock (gate)
        {
            lines.Add(line);
            if (!logClosed)
            {
                log.WriteLine(line);
            }

            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(waiters[i].Text, StringComparison.Ordinal))
                {
                    (matched ??= []).Add(waiters[i].Signal);
                    waiters.RemoveAt(i);
                }
            }
        }

        matched?.ForEach(signal => signal.TrySetResult());
    }

    private async Task ObserveExitAsync()
    {
        // Completes only after both output streams hit EOF, so every line has been seen by then.
        await process.WaitForExitAsync().ConfigureAwait(false);
        List<(string Text, TaskCompletionSource Signal)> pending;
        lock (gate)
        {
            outputClosed = true;
            pending = [.. waiters];
            waiters.Clear();
        }

        foreach (var (text, signal) in pending)
        {
            signal.TrySetException(new InvalidOperationException(ExitedMessage(text)));
        }
    }

    private string ExitedMessage(string text)
    {
        var exitCode = process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";
        return $"Process '{name}' (pid {Pid}) exited with code {exitCode} without printing \"{text}\". Last {TailLineCount} lines:\n{Tail()}";
    }

    private string Tail()
    {
        lock (gate)
        {
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - TailLineCount)));
        }
    }
}

internal static class ChildProcesses
{
    private const int SigTerm = 15;
    private const int NoSuchProcess = 3;
    private const string OwnerMarker = ".partner-test-owner";

    private static readonly ConcurrentDictionary<Process, byte> Live = new();
    private static readonly string[] SweptPrefixes = ["partner-mariadb-", "partner-redis-", "partner-proc-"];
    private static readonly ConcurrentDictionary<string, byte> TempDirectories = new();
    private static readonly Lazy<bool> Swept = new(() =>
    {
        SweepStale();
        return true;
    });

    static ChildProcesses()
    {
        // Last line of defence: a test that forgot to dispose must still not leave servers or their data behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUpAtExit();
    }

    public static string CreateTempDirectory(string prefix, bool deleteAtExit = true)
    {
        _ = Swept.Value;
        var directory = Directory.CreateTempSubdirectory(prefix).FullName;
        if (deleteAtExit)
        {
            TempDirectories[directory] = 0;
            File.WriteAllText(Path.Combine(directory, OwnerMarker), OwnerIdentity(Environment.ProcessId));
        }

        return directory;
    }

    public static Process Start(ProcessStartInfo startInfo, Action<string> onLine)
    {
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start '{startInfo.FileName}': {e.Message}", e);
        }

        Live[process] = 0;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (startInfo.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        return process;
    }

    public static void Forget(Process process) => Live.TryRemove(process, out _);

    public static void Terminate(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        if (SendSignal(process.Id, SigTerm) != 0 && Marshal.GetLastPInvokeError() is var errno and not NoSuchProcess)
        {
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed with errno {errno}.");
        }
    }

    public static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    public static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return process.HasExited;
        }
    }

    public static string? FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        // Server binaries live in sbin, which is not on every user's PATH.
        var directories = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"]);
        return directories.Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }

    public static string MissingServerMessage(string executable) =>
        $"'{executable}' was not found on PATH or in /usr/sbin. The tests start private MariaDB and Redis servers: "
        + "run the test command from the README (it installs them), or `apt-get install mariadb-server redis-server`.";

    public static void DeleteDirectory(string directory)
    {
        TempDirectories.TryRemove(directory, out _);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
            catch (UnauthorizedAccessException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }

    private static void CleanUpAtExit()
    {
        // The test host is killed within ~100 ms of finishing, so no waiting here; SweepStale covers what is left.
        foreach (var process in Live.Keys)
        {
            KillTree(process);
        }

        foreach (var directory in TempDirectories.Keys)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort while the runtime is shutting down.
            }
            catch (UnauthorizedAccessException)
            {
                // Best effort while the runtime is shutting down.
            }
        }
    }

    private static void SweepStale()
    {
        foreach (var prefix in SweptPrefixes)
        {
            foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
            {
                var marker = Path.Combine(directory, OwnerMarker);
                try
                {
                    if (File.Exists(marker) && !IsAlive(File.ReadAllText(marker)))
                    {
                        Directory.Delete(directory, recursive: true);
                    }
                }
                catch (IOException)
                {
                    // Another test run may be sweeping the same directory.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to delete.
                }
            }
        }
    }

    private static string OwnerIdentity(int pid) =>
        $"{pid.ToString(CultureInfo.InvariantCulture)} {ProcessStartTicks(pid)}";

    private static bool IsAlive(string owner)
    {
        var parts = owner.Trim().Split(' ');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid)
            && OwnerIdentity(pid) == owner.Trim();
    }

    // Field 22 of /proc/<pid>/stat tells a live owner from a recycled pid.
    private static string ProcessStartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : "?";
        }
        catch (IOException)
        {
            return "gone";
        }
        catch (UnauthorizedAccessException)
        {
            return "gone";
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

internal sealed class OutputTail(int capacity)
{
    private readonly Queue<string> lines = new();
    private readonly Lock gate = new();

    public void Add(string line)
    {
        lock (gate)
        {
            lines.Enqueue(line);
            while (lines.Count > capacity)
            {
                lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            return string.Join('\n', lines);
        }
    }
}
