using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Partner.RandomMatch;
using Partner.Silo.Hosting;
using Partner.Tests.Infrastructure;

namespace Partner.Benchmarks;

/// <summary>
/// An embedded-mode silo in the benchmark process (the API's default: localhost clustering, memory grain
/// storage and reminders), wired by the same <c>AddPartnerSilo()</c> and with <see cref="BenchCategory"/>
/// added to the catalog. Its queue grain is called through the silo's <see cref="IGrainFactory"/>: no HTTP.
/// </summary>
public sealed class EmbeddedQueue(IHost host, StorageTally tally) : IAsyncDisposable
{
    private const string StorageName = "Default";

    public IRandomMatchQueueGrain Queue => host.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchQueueGrain>(BenchCategory.Name);

    /// <summary>Where the API sends enqueues: it batches them into the queue grain.</summary>
    public IRandomMatchFrontGrain Front => host.Services.GetRequiredService<IGrainFactory>().GetGrain<IRandomMatchFrontGrain>(BenchCategory.Name);

    /// <summary>The grain storage behind the queue's journal (and every other grain's state).</summary>
    public string Storage => ((TallyingGrainStorage)host.Services.GetRequiredKeyedService<IGrainStorage>(StorageName)).Inner;

    /// <summary>What has been written through the storage so far.</summary>
    public StorageTally Tally => tally;

    /// <param name="discardWrites">Replaces the memory grain storage by one that stores nothing (a profiling variant).</param>
    /// <param name="maxLiveSegments">Overrides <c>Partner:RandomMatch:MaxLiveSegments</c> (a profiling variant).</param>
    /// <param name="waitInsight">Sets <c>Partner:RandomMatch:WaitInsight</c> (off: what wait transparency costs).</param>
    /// <param name="maxEffectLag">Overrides <c>Partner:RandomMatch:MaxEffectLag</c> (long: back-pressure never holds tickets in a run).</param>
    public static async Task<EmbeddedQueue> StartAsync(bool discardWrites, int? maxLiveSegments, bool waitInsight, TimeSpan? maxEffectLag, CancellationToken cancellationToken)
    {
        // No appsettings or environment: only what is set here (and the silo's own defaults beneath it).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        var settings = BenchCategory.Settings();
        settings[PartnerModes.Key] = nameof(PartnerMode.Embedded);
        settings[$"{EmbeddedOptions.Section}:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        settings[$"{EmbeddedOptions.Section}:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        settings["Orleans:ClusterId"] = "bench-" + Guid.NewGuid().ToString("N")[..8];
        if (maxLiveSegments is { } segments)
        {
            settings[$"{RandomMatchOptions.Section}:{nameof(RandomMatchOptions.MaxLiveSegments)}"] = segments.ToString(CultureInfo.InvariantCulture);
        }

        if (maxEffectLag is { } lag)
        {
            settings[$"{RandomMatchOptions.Section}:{nameof(RandomMatchOptions.MaxEffectLag)}"] = lag.ToString("c", CultureInfo.InvariantCulture);
        }

        settings[$"{RandomMatchOptions.Section}:{nameof(RandomMatchOptions.WaitInsight)}"] = waitInsight.ToString();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPartnerSilo();

        // The storage the silo's configuration chose, counted; or nothing at all.
        var configured = builder.Services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, StorageName));
        var tally = new StorageTally();
        builder.Services.AddKeyedSingleton<IGrainStorage>(StorageName, (services, key) =>
            new TallyingGrainStorage(discardWrites ? new DiscardingGrainStorage() : Create(configured, services, key), tally));

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new EmbeddedQueue(host, tally);
    }

    public async Task<int> WaitingAsync() => (await Queue.Get(null)).WaitingCount;

    /// <summary>
    /// Waits until the queue's effects (matches created after the answers) have caught up: no state write for
    /// a while. Between runs, and before the silo stops (effects still placing grains on a stopping silo only retry).
    /// </summary>
    public async Task SettleAsync(CancellationToken cancellationToken)
    {
        var quietFor = TimeSpan.FromSeconds(1);
        var giveUpAt = Stopwatch.GetTimestamp() + (long)(60 * Stopwatch.Frequency);
        var last = tally.Read();
        while (Stopwatch.GetTimestamp() < giveUpAt)
        {
            await Task.Delay(quietFor, cancellationToken);
            var now = tally.Read();
            if (now == last)
            {
                return;
            }

            last = now;
        }
    }

    /// <summary>
    /// Waits until storage has been quiet for a while; returns when its last write happened, measured from <paramref name="started"/>,
    /// and the CPU time this process had used by then (<see cref="Process.TotalProcessorTime"/>).
    /// </summary>
    public async Task<(TimeSpan Elapsed, TimeSpan ProcessCpu)> LastWriteAfterAsync(long started, CancellationToken cancellationToken)
    {
        using var self = Process.GetCurrentProcess();
        var last = tally.Read();
        var lastChange = Stopwatch.GetTimestamp();
        var cpuAtLastChange = self.TotalProcessorTime;
        // Longer than a GC pause, which would otherwise pass for the end of the effects.
        while (Stopwatch.GetElapsedTime(lastChange) < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(10, cancellationToken);
            var now = tally.Read();
            if (now != last)
            {
                last = now;
                lastChange = Stopwatch.GetTimestamp();
                self.Refresh();
                cpuAtLastChange = self.TotalProcessorTime;
            }
        }

        return (Stopwatch.GetElapsedTime(started, lastChange), cpuAtLastChange);
    }

    public async ValueTask DisposeAsync()
    {
        await SettleAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("the embedded silo did not stop within 30 s; disposing it");
        }

        host.Dispose();
    }

    private static IGrainStorage Create(ServiceDescriptor descriptor, IServiceProvider services, object? key) =>
        (IGrainStorage)(descriptor.KeyedImplementationInstance
            ?? descriptor.KeyedImplementationFactory?.Invoke(services, key)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.KeyedImplementationType!));

    /// <summary>Counts what goes through the storage: journal segment writes and the events they hold, other writes, clears.</summary>
    private sealed class TallyingGrainStorage(IGrainStorage inner, StorageTally tally) : IGrainStorage
    {
        public string Inner => inner.GetType().Name;

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var events = grainState.State is LogSegment<QueueEvent> segment ? segment.Items.Count : -1;
            var began = Stopwatch.GetTimestamp();
            await inner.WriteStateAsync(stateName, grainId, grainState);
            tally.Written(events, Stopwatch.GetTimestamp() - began);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            tally.Cleared();
            return inner.ClearStateAsync(stateName, grainId, grainState);
        }
    }

    /// <summary>Accepts every write and stores nothing; reads find nothing.</summary>
    private sealed class DiscardingGrainStorage : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            grainState.ETag = "discarded";
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}

/// <summary>Running totals of grain-storage traffic.</summary>
public sealed class StorageTally
{
    private long journalWrites;
    private long journalEvents;
    private long journalTicks;
    private long otherWrites;
    private long clears;

    public StorageCounts Read() => new(
        Interlocked.Read(ref journalWrites), Interlocked.Read(ref journalEvents), Interlocked.Read(ref journalTicks), Interlocked.Read(ref otherWrites), Interlocked.Read(ref clears));

    /// <summary>A write of a journal segment holding <paramref name="events"/> events, or (−1) of any other state, that took <paramref name="ticks"/>.</summary>
    internal void Written(int events, long ticks)
    {
        if (events < 0)
        {
            Interlocked.Increment(ref otherWrites);
            return;
        }

        Interlocked.Increment(ref journalWrites);
        Interlocked.Add(ref journalEvents, events);
        Interlocked.Add(ref journalTicks, ticks);
    }

    internal void Cleared() => Interlocked.Increment(ref clears);
}

/// <summary>
/// Grain-storage traffic: journal segment writes, the events they carried (each write stores its whole segment)
/// and the time they took (Stopwatch ticks, as the queue awaited them), other state writes, clears.
/// </summary>
public readonly record struct StorageCounts(long JournalWrites, long JournalEvents, long JournalTicks, long OtherWrites, long Clears)
{
    public double JournalMilliseconds => JournalTicks * 1000.0 / Stopwatch.Frequency;

    public static StorageCounts operator -(StorageCounts after, StorageCounts before) => new(
        after.JournalWrites - before.JournalWrites, after.JournalEvents - before.JournalEvents, after.JournalTicks - before.JournalTicks,
        after.OtherWrites - before.OtherWrites, after.Clears - before.Clears);
}
