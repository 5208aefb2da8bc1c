using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Partner.Api.Operations;
using Partner.Catalog;
using Partner.Operations;
using Partner.Rooms;
using Partner.Streams;

namespace Partner.Api.Rooms;

/// <summary>How this API node answers room lists and details from memory (<c>Partner:RoomReadModel</c>).</summary>
public sealed class RoomReadModelOptions
{
    public const string Section = "Partner:RoomReadModel";

    /// <summary>False answers every read from the grains (the directory and the room), as before the read model.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Meeting dates this many days before today are still held; lists reaching further back are read from the grains.</summary>
    [Range(0, 366)]
    public int PastDays { get; set; } = 7;

    /// <summary>How often the held rooms are checked against the directory, beyond the rebuilds after a start or a lost silo.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RebuildPeriod { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Room lists and details on the API node, kept from the room-change streams (every room publishes each durable change) and
/// rebuilt from the day directories when the node starts, when it loses a silo (pushes may have died with it) and every
/// <see cref="RoomReadModelOptions.RebuildPeriod"/>. Until the first rebuild ends, and for what it does not hold, reads go to
/// the grains. A write answered through this node is applied here before its answer, so its writer reads it back at once.
/// </summary>
public sealed partial class RoomReadModel(
    IClusterClient cluster,
    IGrainFactory grains,
    SchoolCalendar calendar,
    TimeProvider clock,
    ApiMetrics metrics,
    IOptions<RoomReadModelOptions> options,
    ILogger<RoomReadModel> logger) : IDisposable
{
    private readonly RoomIndex index = new(calendar.Today().AddDays(-options.Value.PastDays));
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<StreamId, StreamSubscriptionHandle<RoomChanged>> subscriptions = new();
    private Task? started;
    private Task? subscribed;
    private volatile bool ready;
    private ImmutableArray<string> categories = [];
    private ITimer? rebuilds;
    private ObservableGauge<int>? held;

    /// <summary>Every room change this node receives (the hub's <c>roomUpdated</c> pushes are sent from it).</summary>
    public event Func<RoomChanged, Task>? Changed;

    /// <summary>False when every read goes to the grains (<see cref="RoomReadModelOptions.Enabled"/>).</summary>
    public bool Enabled => options.Value.Enabled;

    /// <summary>Rooms held, deleted ones included until their day leaves the window.</summary>
    public int Held => index.Count;

    public async Task<Page<RoomSummary>> Query(RoomQuery query)
    {
        var today = Today();
        if (Ready() && Category(query.Category, out var category)
            && index.Query(category, query.Lifecycle, query.Date, query.Page, query.Size) is { } page)
        {
            metrics.RoomRead("list", onNode: true);
            return new Page<RoomSummary>([.. page.Items.Select(l => new RoomSummary(l, l.Date == today))], page.Number, page.Size, page.HasNext);
        }

        metrics.RoomRead("list", onNode: false);
        return await grains.GetGrain<IRoomListingsGrain>(0).Query(query);
    }

    /// <summary>The room as <paramref name="viewer"/> sees it; not-found (from the room) when it is unknown or deleted.</summary>
    public async Task<RoomView> Get(Guid roomId, Guid? viewer)
    {
        if (Ready() && index.Detail(roomId) is { Room.Listing.Lifecycle: not RoomLifecycle.Deleted } known)
        {
            metrics.RoomRead("detail", onNode: true);
            return For(known, viewer);
        }

        metrics.RoomRead("detail", onNode: false);
        var grain = grains.GetGrain<IRoomGrain>(roomId);
        if (!ready)
        {
            return await grain.Get(viewer);
        }

        var change = await grain.Changed();
        if (change is null || change.Room.Listing.Lifecycle == RoomLifecycle.Deleted)
        {
            throw Errors.NotFound("The room");
        }

        index.Apply(change);
        return For(change, viewer);
    }

    /// <summary>A write through this node answered with the room's listing.</summary>
    public void Wrote(RoomListing listing)
    {
        if (options.Value.Enabled)
        {
            index.Apply(listing);
        }
    }

    /// <summary>A write through this node whose answer does not carry the room: read it back.</summary>
    public async Task WroteAsync(Guid roomId)
    {
        if (options.Value.Enabled && await grains.GetGrain<IRoomGrain>(roomId).Changed() is { } change)
        {
            index.Apply(change);
        }
    }

    /// <summary>
    /// Runs a write through this node; when it fails — it may still have been applied (a 503 says so) — the room is read
    /// back before the failure is answered, so that its writer never reads an older room than the grain holds (a refusal by a
    /// rule changed nothing and is answered at once).
    /// </summary>
    public async Task<T> Writing<T>(Guid roomId, Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (Exception failure) when (failure is not DomainException { Code: not ErrorCodes.Unavailable })
        {
            try
            {
                await WroteAsync(roomId);
            }
            catch (Exception ex)
            {
                LogReadBackFailed(logger, ex, roomId);
            }

            throw;
        }
    }

    /// <summary>A room deleted through this node.</summary>
    public void Deleted(Guid roomId)
    {
        if (options.Value.Enabled)
        {
            index.Drop(roomId);
        }
    }

    /// <summary>After a lost silo: the pushes that died with it are read back from the directories.</summary>
    public async Task HealAsync()
    {
        if (!ready)
        {
            return;
        }

        index.ForgetDetails();
        await CheckAsync();
    }

    public void Dispose() => rebuilds?.Dispose();

    /// <summary>Starts the model if it is not started (or its start failed); true once its first rebuild has ended.</summary>
    public bool Ready()
    {
        Start();
        return ready;
    }

    /// <summary>Completes once this node receives every room change (the start is asked for when it has not begun).</summary>
    public Task Subscribed()
    {
        Start();
        return subscribed!;
    }

    /// <summary>Ends the node's room-change subscriptions while its cluster client still runs: none is left on the streams behind it.</summary>
    public Task StopAsync() => Task.WhenAll(subscriptions.Select(async subscription =>
    {
        try
        {
            await subscription.Value.UnsubscribeAsync();
            subscriptions.TryRemove(subscription.Key, out _);
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(logger, ex, subscription.Key.ToString());
        }
    }));

    private void Start()
    {
        if (started is null || started.IsFaulted)
        {
            lock (gate)
            {
                if (started is null || started.IsFaulted)
                {
                    started = StartAsync();
                }
            }
        }
    }

    private async Task StartAsync()
    {
        try
        {
            await (subscribed = SubscribeAsync());
            if (!options.Value.Enabled)
            {
                return;
            }

            await RebuildAsync();
            ready = true;
            held ??= metrics.Meter.CreateObservableGauge(PartnerInstruments.RoomsHeld, () => index.Count, description: "Rooms (deleted ones included) this API node holds for its room lists and details.");
            rebuilds ??= clock.CreateTimer(_ => _ = CheckAsync(), null, options.Value.RebuildPeriod, options.Value.RebuildPeriod);
            LogReady(logger, index.Count);
        }
        catch (Exception ex)
        {
            LogStartFailed(logger, ex);
            throw;
        }
    }

    /// <summary>Every category's room-change streams, once each (a retried start keeps what the failed one made).</summary>
    private async Task SubscribeAsync()
    {
        await Task.Yield();
        categories = [.. (await grains.GetGrain<ICatalogGrain>(0).List()).Select(c => c.Name)];
        var provider = cluster.GetStreamProvider(PartnerStreams.ProviderName);
        foreach (var category in categories)
        {
            for (var shard = 0; shard < PartnerStreams.RoomChangeShards; shard++)
            {
                var id = PartnerStreams.RoomChanges(category, shard);
                if (!subscriptions.ContainsKey(id))
                {
                    subscriptions[id] = await provider.GetStream<RoomChanged>(id).SubscribeAsync((change, _) => OnChangeAsync(change));
                }
            }
        }
    }

    private Task OnChangeAsync(RoomChanged change)
    {
        if (options.Value.Enabled)
        {
            index.Apply(change);
        }

        return Changed?.Invoke(change) ?? Task.CompletedTask;
    }

    private async Task CheckAsync()
    {
        try
        {
            await RebuildAsync();
        }
        catch (Exception ex)
        {
            LogRebuildFailed(logger, ex);
        }
    }

    /// <summary>Reads every held day's directory: what it lists is applied (newer versions win), what it no longer lists is asked.</summary>
    private async Task RebuildAsync()
    {
        var windowStart = Today().AddDays(-options.Value.PastDays);
        foreach (var category in categories)
        {
            var dates = await grains.GetGrain<IRoomDatesGrain>(category).Dates();
            if (dates.Any(d => d < windowStart))
            {
                index.OlderRoomsExist();
            }

            foreach (var date in dates.Where(d => d >= windowStart))
            {
                var listed = await grains.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey(category, date)).List(null);
                foreach (var listing in listed)
                {
                    index.Apply(listing);
                }

                foreach (var roomId in index.Unlisted(category, date, listed.Select(l => l.RoomId).ToHashSet()))
                {
                    if (await grains.GetGrain<IRoomGrain>(roomId).Listing() is { } current)
                    {
                        index.Apply(current);
                    }
                    else
                    {
                        index.Drop(roomId);
                    }
                }
            }
        }
    }

    private DateOnly Today()
    {
        var today = calendar.Today();
        var windowStart = today.AddDays(-options.Value.PastDays);
        if (windowStart > index.WindowStart)
        {
            index.MoveWindow(windowStart);
        }

        return today;
    }

    private bool Category(string? asked, out string? category)
    {
        category = asked is null ? null : categories.FirstOrDefault(c => string.Equals(c, asked, StringComparison.OrdinalIgnoreCase));
        return asked is null || category is not null;
    }

    private RoomView For(RoomChanged change, Guid? viewer) => change.For(viewer) with { IsToday = change.Room.Listing.Date == calendar.Today() };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} could not be read back after a failed write; the room-change stream or the next rebuild brings it")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, Guid roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unsubscribe from {Stream}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room read model ready with {Rooms} rooms")]
    private static partial void LogReady(ILogger logger, int rooms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room read model could not start; reads go to the grains until it does")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room read model could not check its rooms against the directories; the next period tries again")]
    private static partial void LogRebuildFailed(ILogger logger, Exception exception);
}
