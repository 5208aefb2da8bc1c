using System.Globalization;
using System.Runtime.InteropServices;

namespace Partner.Benchmarks;

/// <summary>CPU time of named processes and of the whole machine, from /proc, between two snapshots.</summary>
public sealed class CpuSampler(IReadOnlyDictionary<string, int> processes)
{
    private const int ClockTicksName = 2;
    public static readonly double TicksPerSecond = Math.Max(1, SystemConfiguration(ClockTicksName));

    public CpuSnapshot Take() => new(
        DateTime.UtcNow,
        processes.ToDictionary(p => p.Key, p => ProcessTicks(p.Value)),
        MachineTicks());

    /// <summary>Per process and for the whole machine, in percent of one core (2 cores = 200 %).</summary>
    public static CpuUsage Between(CpuSnapshot before, CpuSnapshot after)
    {
        var seconds = (after.At - before.At).TotalSeconds;
        var perProcess = after.Processes.ToDictionary(
            p => p.Key,
            p => (p.Value - before.Processes.GetValueOrDefault(p.Key)) / TicksPerSecond / seconds * 100);
        var total = after.Machine.Total - before.Machine.Total;
        var busy = total - (after.Machine.Idle - before.Machine.Idle);
        var machine = total == 0 ? 0 : busy * 100.0 * Environment.ProcessorCount / total;
        return new CpuUsage(perProcess, machine, Math.Max(0, machine - perProcess.Values.Sum()));
    }

    /// <summary>User plus system CPU time of a process in clock ticks; 0 once it is gone.</summary>
    public static long ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // Fields after the command name, which may hold spaces: state is field 3, utime 14 and stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static (long Total, long Idle) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (cpu.Sum(), cpu[3] + cpu[4]);
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SystemConfiguration(int name);
}

public sealed record CpuSnapshot(DateTime At, IReadOnlyDictionary<string, long> Processes, (long Total, long Idle) Machine);

/// <summary>Percent of one core; <see cref="Other"/> is the machine's busy time not spent in the named processes (e.g. wrk).</summary>
public sealed record CpuUsage(IReadOnlyDictionary<string, double> Processes, double Machine, double Other)
{
    /// <summary>Moves a process measured on its own (e.g. wrk) out of <see cref="Other"/>.</summary>
    public CpuUsage With(string name, double percent) =>
        this with
        {
            Processes = new Dictionary<string, double>(Processes) { [name] = percent },
            Other = Math.Max(0, Other - percent),
        };
}
