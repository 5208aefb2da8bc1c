using System.Globalization;
using System.Runtime.InteropServices;

namespace Partner.Benchmarks;

/// <summary>Open-file limits: this process's, which the API and silo processes it starts inherit, and any process's use of it.</summary>
public static class FileLimit
{
    private const int NoFile = 7;

    /// <summary>Raises this process's soft (and, as root with CAP_SYS_RESOURCE, hard) limit to at least <paramref name="needed"/>; false when refused.</summary>
    public static bool Raise(ulong needed)
    {
        if (GetLimit(NoFile, out var limit) != 0)
        {
            return false;
        }

        if (limit.Soft >= needed)
        {
            return true;
        }

        var raised = new Limit(needed, Math.Max(needed, limit.Hard));
        return SetLimit(NoFile, in raised) == 0;
    }

    /// <summary>The soft limit of <paramref name="pid"/> ("Max open files" in /proc).</summary>
    public static long Of(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
    }

    public static int OpenBy(int pid) => Directory.GetFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").Length;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Limit(ulong Soft, ulong Hard);

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetLimit(int resource, out Limit limit);

    [DllImport("libc", EntryPoint = "setrlimit")]
    private static extern int SetLimit(int resource, in Limit limit);
}
