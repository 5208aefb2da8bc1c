using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Partner.Rooms;

/// <summary>
/// The rooms of one category on one meeting date. A room being created is reserved here before it is written, so that
/// a creation cut short after the room's write (a crash, a failed listing) is finished from here: a reservation older
/// than <see cref="ReservationGrace"/> asks its room whether it exists and lists it, or drops it.
/// </summary>
public sealed partial class RoomDayGrain(
    [PersistentState("day")] IPersistentState<RoomDayState> state,
    TimeProvider clock,
    ILogger<RoomDayGrain> logger) : Grain, IRoomDayGrain
{
    /// <summary>How long a creation may take before its reservation is checked with the room.</summary>
    internal static readonly TimeSpan ReservationGrace = TimeSpan.FromSeconds(2);

    /// <summary>How often reservations are checked while there are any.</summary>
    internal static readonly TimeSpan ReservationCheck = TimeSpan.FromSeconds(1);

    private Dictionary<Guid, RoomListing> listings = [];
    private ImmutableArray<RoomListing>? sorted;
    private bool countsUnsaved;
    private IGrainTimer? reservationCheck;

    private Dictionary<Guid, DateTimeOffset> Reserved => state.State.Reserved;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        listings = state.State.Listings.ToDictionary(l => l.RoomId);
        if (listings.Count > 0)
        {
            // Counts changed by joins are kept in memory only; ask the rooms once for the current ones. Interleaved: a room
            // may be waiting on this directory while it is asked.
            this.RegisterGrainTimer(RefreshAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        }

        ArmReservationCheck();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (countsUnsaved)
        {
            try
            {
                await SaveAsync();
            }
            catch (Exception ex)
            {
                // Counts are rebuilt from the rooms on the next activation.
                LogCountsNotSaved(logger, ex, this.GetPrimaryKeyString());
            }
        }
    }

    public async Task Reserve(Guid roomId)
    {
        if (listings.ContainsKey(roomId) || !Reserved.TryAdd(roomId, clock.GetUtcNow()))
        {
            return;
        }

        await SaveAsync();
        ArmReservationCheck();
    }

    public async Task Upsert(RoomListing listing)
    {
        if (listings.TryGetValue(listing.RoomId, out var held) && held.Version > listing.Version)
        {
            return;
        }

        listings[listing.RoomId] = listing;
        Reserved.Remove(listing.RoomId);
        sorted = null;
        await SaveAsync();
    }

    public async Task Remove(Guid roomId)
    {
        if (listings.Remove(roomId) | Reserved.Remove(roomId))
        {
            sorted = null;
            await SaveAsync();
        }
    }

    public Task Touch(RoomListing listing)
    {
        if (listing.Lifecycle != RoomLifecycle.Deleted
            && (!listings.TryGetValue(listing.RoomId, out var held) || held.Version < listing.Version))
        {
            listings[listing.RoomId] = listing;
            sorted = null;
            countsUnsaved = true;
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<RoomListing>> List(RoomLifecycle? lifecycle)
    {
        sorted ??= [.. listings.Values.OrderByDescending(l => l.CreatedAt).ThenBy(l => l.RoomId)];
        return Task.FromResult(lifecycle is { } wanted ? [.. sorted.Value.Where(l => l.Lifecycle == wanted)] : sorted.Value);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var roomId in listings.Keys.ToArray())
        {
            var current = await GrainFactory.GetGrain<IRoomGrain>(roomId).Listing();
            if (current is null)
            {
                listings.Remove(roomId);
                countsUnsaved = true;
            }
            else
            {
                await Touch(current);
            }
        }

        sorted = null;
    }

    private void ArmReservationCheck()
    {
        if (Reserved.Count > 0 && reservationCheck is null)
        {
            reservationCheck = this.RegisterGrainTimer(CheckReservationsAsync, new GrainTimerCreationOptions(ReservationCheck, ReservationCheck) { Interleave = true });
        }
    }

    /// <summary>Finishes the creations that stalled after their reservation: listed if the room exists, dropped if not.</summary>
    private async Task CheckReservationsAsync(CancellationToken cancellationToken)
    {
        var due = clock.GetUtcNow() - ReservationGrace;
        foreach (var (roomId, _) in Reserved.Where(r => r.Value <= due).ToArray())
        {
            // The room answers after its creation's turn: a creation still running is waited for, not misjudged.
            var current = await GrainFactory.GetGrain<IRoomGrain>(roomId).Listing();
            if (!Reserved.ContainsKey(roomId))
            {
                continue;
            }

            if (current is null)
            {
                Reserved.Remove(roomId);
                await SaveAsync();
            }
            else
            {
                LogCreationFinished(logger, roomId, this.GetPrimaryKeyString());
                await Upsert(current);
            }
        }

        if (Reserved.Count == 0)
        {
            reservationCheck?.Dispose();
            reservationCheck = null;
        }
    }

    private async Task SaveAsync()
    {
        state.State.Listings = [.. listings.Values];
        await state.WriteOrRefuseAsync(this);
        countsUnsaved = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} was created but not listed in {Day}: listed now")]
    private static partial void LogCreationFinished(ILogger logger, Guid roomId, string day);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room day {Day} could not save its counts at deactivation")]
    private static partial void LogCountsNotSaved(ILogger logger, Exception exception, string day);
}

[GenerateSerializer, Alias("partner.room-day-state")]
public sealed class RoomDayState
{
    [Id(0)] public List<RoomListing> Listings { get; set; } = [];

    /// <summary>Rooms whose creation began (reserved here before the room's write) and is not listed yet, with when.</summary>
    [Id(1)] public Dictionary<Guid, DateTimeOffset> Reserved { get; set; } = [];
}
