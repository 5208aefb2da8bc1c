using Partner.Catalog;
using Partner.Users;

namespace Partner.Rooms;

/// <summary>
/// A withdrawn user leaves the open rooms whose meeting is today or later (and their own such rooms are
/// deleted). Rooms are found through the listing directories, so joins pay nothing for it; a room whose
/// meeting date has passed is left as it is.
/// </summary>
public sealed class RoomWithdrawal(CategoryCatalog catalog, SchoolCalendar calendar) : IUserWithdrawalStep
{
    public async Task Run(Guid userId, IGrainFactory grains)
    {
        var today = calendar.Today();
        foreach (var category in catalog.All)
        {
            var dates = await grains.GetGrain<IRoomDatesGrain>(category.Name).Dates();
            foreach (var date in dates.Where(d => d >= today))
            {
                var rooms = await grains.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey(category.Name, date)).List(RoomLifecycle.Open);
                await Task.WhenAll(rooms.Select(room => grains.GetGrain<IRoomGrain>(room.RoomId).RemoveWithdrawn(userId)));
            }
        }
    }
}
