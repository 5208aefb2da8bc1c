using System.Collections.Immutable;

namespace Partner.Rooms;

public sealed class RoomDatesGrain([PersistentState("dates")] IPersistentState<RoomDatesState> state) : Grain, IRoomDatesGrain
{
    private ImmutableArray<DateOnly>? newestFirst;

    public async Task Add(DateOnly date)
    {
        if (state.State.Dates.Add(date))
        {
            newestFirst = null;
            await state.WriteOrRefuseAsync(this);
        }
    }

    public Task<ImmutableArray<DateOnly>> Dates()
    {
        newestFirst ??= [.. state.State.Dates.OrderDescending()];
        return Task.FromResult(newestFirst.Value);
    }
}

[GenerateSerializer, Alias("partner.room-dates-state")]
public sealed class RoomDatesState
{
    [Id(0)] public HashSet<DateOnly> Dates { get; set; } = [];
}
