using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using MySqlConnector;

namespace Partner.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
public sealed record MachineFacts(IReadOnlyList<(string Name, string Value)> Facts)
{
    public static async Task<MachineFacts> CollectAsync(string rootConnectionString, string redisInfo, CancellationToken cancellationToken)
    {
        var facts = new List<(string, string)>
        {
            ("date", DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)),
            ("cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) + " (" + CpuModel() + ")"),
            ("memory", MemoryGiB()),
            ("os", OsName() + ", kernel " + Environment.OSVersion.Version),
            (".NET", RuntimeInformation.FrameworkDescription + ", SDK " + await SdkVersionAsync(cancellationToken)),
            ("Orleans", typeof(IGrainFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split(' ', '+')[0].TrimEnd('.') ?? "?"),
        };

        await using var connection = new MySqlConnection(rootConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size, @@log_bin, @@innodb_doublewrite", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        facts.Add(("MariaDB", $"{reader.GetString(0)}; innodb_flush_log_at_trx_commit={reader.GetValue(1)}, buffer pool {reader.GetInt64(2) / 1024 / 1024} MiB, binlog {(reader.GetInt64(3) == 0 ? "off" : "on")}, doublewrite {reader.GetValue(4)}"));
        facts.Add(("Redis", redisInfo + " (append-only file, fsync every second; membership only)"));
        facts.Add(("load average at start", File.ReadAllText("/proc/loadavg").Trim()));
        return new MachineFacts(facts);
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";

    private static string MemoryGiB()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (kib / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
    }

    private static string OsName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "Linux"
            : RuntimeInformation.OSDescription;

    private static async Task<string> SdkVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var version = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return version.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}
