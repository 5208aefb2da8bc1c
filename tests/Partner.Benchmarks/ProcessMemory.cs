using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Partner.Benchmarks;

/// <summary>A process's memory: resident set from /proc, and its managed heap right after a full GC the runtime was asked for.</summary>
public readonly record struct MemorySample(long ResidentBytes, long GcHeapBytes);

public static class ProcessMemory
{
    private static readonly TimeSpan GcWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Induces a full blocking GC in <paramref name="pid"/> through its diagnostics port (as dotnet-gcdump does), reads the
    /// heap's size from the GC's own statistics event, then the resident set.
    /// </summary>
    public static async Task<MemorySample> SampleAsync(int pid, CancellationToken cancellationToken)
    {
        var heap = await InducedGcHeapAsync(pid, cancellationToken);
        return new MemorySample(ResidentBytes(pid), heap);
    }

    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<long> InducedGcHeapAsync(int pid, CancellationToken cancellationToken)
    {
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = new DiagnosticsClient(pid).StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords), requestRundown: false);
        var heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            var induced = false;
            source.Clr.GCStart += e => induced = e.Depth == 2 && e.Reason.ToString().StartsWith("Induced", StringComparison.Ordinal);
            source.Clr.GCHeapStats += e =>
            {
                if (induced)
                {
                    heap.TrySetResult(e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4);
                }
            };
            source.Process();
        }, CancellationToken.None);
        try
        {
            return await heap.Task.WaitAsync(GcWait, cancellationToken);
        }
        finally
        {
            await session.StopAsync(CancellationToken.None);
            await reading.WaitAsync(GcWait, CancellationToken.None);
        }
    }
}
