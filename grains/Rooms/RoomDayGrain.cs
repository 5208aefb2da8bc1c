using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Partner.Rooms;

/// <summary>
/// The rooms of one category on one meeting date. What is durable is only which rooms were ever filed here: an
/// append-only <see cref="SegmentedLog{T}"/> of room ids, so filing a room rewrites one short segment however many
/// rooms the day holds. The listings themselves are the rooms' own: asked from them at activation and kept fresh in
/// memory by their updates. A room being created is filed before it is written, so that a creation cut short after
/// the room's write (a crash, a failed listing) is finished from here: a room not yet listed after
/// <see cref="ReservationGrace"/> is asked whether it exists, and listed or dropped.
/// </summary>
public sealed partial class RoomDayGrain(
    [PersistentState("day")] IPersistentState<RoomDayState> legacy,
    TimeProvider clock,
    ILogger<RoomDayGrain> logger) : Grain, IRoomDayGrain
{
    /// <summary>How long a creation may take before its reservation is checked with the room.</summary>
    internal static readonly TimeSpan ReservationGrace = TimeSpan.FromSeconds(2);

    /// <summary>How often reservations are checked while there are any.</summary>
    internal static readonly TimeSpan ReservationCheck = TimeSpan.FromSeconds(1);

    /// <summary>The storage kind of the segments of filed room ids (keyed by day and segment number).</summary>
    public const string FiledKind = "partner-room-day-filed";

    /// <summary>Room ids per stored segment: a filing rewrites at most this many; an activation reads one segment per this many rooms.</summary>
    internal const int SegmentSize = 32;

    private const string StorageName = "Default";

    private readonly HashSet<Guid> filed = [];
    private readonly Dictionary<Guid, RoomListing> listings = [];
    private readonly Dictionary<Guid, DateTimeOffset> reserved = [];
    private SegmentedLog<Guid> log = null!;
    private ImmutableArray<RoomListing>? sorted;
    private IGrainTimer? reservationCheck;

    private string DayKey => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        log = new SegmentedLog<Guid>(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName), FiledKind, DayKey, SegmentSize);
        foreach (var (_, ids) in await log.ReadFromAsync(0))
        {
            filed.UnionWith(ids);
        }

        // Days written by earlier versions kept whole listings in their own row: their rooms count as filed (that row is no longer written).
        filed.UnionWith(legacy.State.Listings.Select(l => l.RoomId));
        filed.UnionWith(legacy.State.Reserved.Keys);

        // Listing interleaves: a room waiting on this directory (its creation filing it) still answers.
        var now = clock.GetUtcNow();
        var answers = await Task.WhenAll(filed.Select(async roomId => (roomId, listing: await ListingOrNullAsync(roomId))));
        foreach (var (roomId, listing) in answers)
        {
            if (listing is null)
            {
                // Not created (yet), or not answering: a creation under way or cut short before the room's write. Checked after the grace.
                reserved[roomId] = now;
            }
            else if (Belongs(listing))
            {
                listings[roomId] = listing;
            }
        }

        ArmReservationCheck();
    }

    public async Task Reserve(Guid roomId)
    {
        if (listings.ContainsKey(roomId) || reserved.ContainsKey(roomId))
        {
            return;
        }

        await FileAsync(roomId);
        reserved[roomId] = clock.GetUtcNow();
        ArmReservationCheck();
    }

    public async Task Upsert(RoomListing listing)
    {
        if (!Belongs(listing) || (listings.TryGetValue(listing.RoomId, out var held) && held.Version > listing.Version))
        {
            return;
        }

        // A room moved here by a date change is filed on its first listing.
        await FileAsync(listing.RoomId);
        listings[listing.RoomId] = listing;
        reserved.Remove(listing.RoomId);
        sorted = null;
    }

    /// <summary>In memory only: the room's own durable state (deleted, or another date) keeps it out at the next activation.</summary>
    public Task Remove(Guid roomId)
    {
        if (listings.Remove(roomId) | reserved.Remove(roomId))
        {
            sorted = null;
        }

        return Task.CompletedTask;
    }

    public async Task Touch(RoomListing listing)
    {
        if (Belongs(listing) && (!listings.TryGetValue(listing.RoomId, out var held) || held.Version < listing.Version))
        {
            // Every visible room reports here when it activates: one this day never filed (its move here was cut short) is filed now.
            await FileAsync(listing.RoomId);
            listings[listing.RoomId] = listing;
            reserved.Remove(listing.RoomId);
            sorted = null;
        }
    }

    public Task<ImmutableArray<RoomListing>> List(RoomLifecycle? lifecycle)
    {
        sorted ??= [.. listings.Values.OrderByDescending(l => l.CreatedAt).ThenBy(l => l.RoomId)];
        return Task.FromResult(lifecycle is { } wanted ? [.. sorted.Value.Where(l => l.Lifecycle == wanted)] : sorted.Value);
    }

    private async Task<RoomListing?> ListingOrNullAsync(Guid roomId)
    {
        try
        {
            return await GrainFactory.GetGrain<IRoomGrain>(roomId).Listing();
        }
        catch (Exception ex)
        {
            LogRoomNotAnswering(logger, ex, roomId, DayKey);
            return null;
        }
    }

    private bool Belongs(RoomListing listing) =>
        listing.Lifecycle != RoomLifecycle.Deleted && RoomDirectory.DayKey(listing.Category, listing.Date) == DayKey;

    /// <summary>Appends the room to the durable log unless it is there already.</summary>
    private async Task FileAsync(Guid roomId)
    {
        if (filed.Contains(roomId))
        {
            return;
        }

        await this.WriteOrRefuseAsync(() => log.AppendAsync([roomId]));
        filed.Add(roomId);
    }

    private void ArmReservationCheck()
    {
        if (reserved.Count > 0 && reservationCheck is null)
        {
            reservationCheck = this.RegisterGrainTimer(CheckReservationsAsync, new GrainTimerCreationOptions(ReservationCheck, ReservationCheck) { Interleave = true });
        }
    }

    /// <summary>Finishes the creations that stalled after their reservation: listed if the room exists, dropped if not.</summary>
    private async Task CheckReservationsAsync(CancellationToken cancellationToken)
    {
        var due = clock.GetUtcNow() - ReservationGrace;
        foreach (var (roomId, _) in reserved.Where(r => r.Value <= due).ToArray())
        {
            var current = await GrainFactory.GetGrain<IRoomGrain>(roomId).Listing();
            if (!reserved.ContainsKey(roomId))
            {
                continue;
            }

            reserved.Remove(roomId);
            if (current is not null && Belongs(current))
            {
                LogCreationFinished(logger, roomId, DayKey);
                await Upsert(current);
            }
        }

        if (reserved.Count == 0)
        {
            reservationCheck?.Dispose();
            reservationCheck = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} was created but not listed in {Day}: listed now")]
    private static partial void LogCreationFinished(ILogger logger, Guid roomId, string day);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} did not give its listing to {Day} at activation; asked again shortly")]
    private static partial void LogRoomNotAnswering(ILogger logger, Exception exception, Guid roomId, string day);
}

/// <summary>A day's own row as versions before the filed-room log wrote it; read at activation, never written.</summary>
[GenerateSerializer, Alias("partner.room-day-state")]
public sealed class RoomDayState
{
    [Id(0)] public List<RoomListing> Listings { get; set; } = [];

    [Id(1)] public Dictionary<Guid, DateTimeOffset> Reserved { get; set; } = [];
}
