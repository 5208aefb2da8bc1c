using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Partner.Rooms;

public sealed partial class RoomDayGrain(
    [PersistentState("day")] IPersistentState<RoomDayState> state,
    ILogger<RoomDayGrain> logger) : Grain, IRoomDayGrain
{
    private Dictionary<Guid, RoomListing> listings = [];
    private ImmutableArray<RoomListing>? sorted;
    private bool countsUnsaved;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        listings = state.State.Listings.ToDictionary(l => l.RoomId);
        if (listings.Count > 0)
        {
            // Counts changed by joins are kept in memory only; ask the rooms once for the current ones.
            this.RegisterGrainTimer(RefreshAsync, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

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

    public async Task Upsert(RoomListing listing)
    {
        if (listings.TryGetValue(listing.RoomId, out var held) && held.Version > listing.Version)
        {
            return;
        }

        listings[listing.RoomId] = listing;
        sorted = null;
        await SaveAsync();
    }

    public async Task Remove(Guid roomId)
    {
        if (listings.Remove(roomId))
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

    private async Task SaveAsync()
    {
        state.State.Listings = [.. listings.Values];
        await state.WriteOrRefuseAsync(this);
        countsUnsaved = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room day {Day} could not save its counts at deactivation")]
    private static partial void LogCountsNotSaved(ILogger logger, Exception exception, string day);
}

[GenerateSerializer, Alias("partner.room-day-state")]
public sealed class RoomDayState
{
    [Id(0)] public List<RoomListing> Listings { get; set; } = [];
}
