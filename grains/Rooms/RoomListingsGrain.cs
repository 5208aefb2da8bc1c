using System.Collections.Immutable;
using Orleans.Concurrency;
using Partner.Catalog;

namespace Partner.Rooms;

/// <summary>Pages through the day directories, newest meeting date first; reads only, so any number run side by side.</summary>
[StatelessWorker]
public sealed class RoomListingsGrain(CategoryCatalog catalog, SchoolCalendar calendar) : Grain, IRoomListingsGrain
{
    public async Task<Page<RoomSummary>> Query(RoomQuery query)
    {
        var categories = query.Category is null ? catalog.All.Select(c => c.Name).ToArray() : [catalog.Get(query.Category).Name];
        var dates = query.Date is { } date
            ? [date]
            : (await Task.WhenAll(categories.Select(c => GrainFactory.GetGrain<IRoomDatesGrain>(c).Dates())))
                .SelectMany(d => d).Distinct().OrderDescending().ToArray();

        var skip = query.Page * query.Size;
        var items = new List<RoomListing>(query.Size + 1);
        foreach (var day in dates)
        {
            var lists = await Task.WhenAll(categories.Select(c => GrainFactory.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey(c, day)).List(query.Lifecycle)));
            var rooms = lists.Length == 1 ? lists[0] : [.. lists.SelectMany(l => l).OrderByDescending(l => l.CreatedAt).ThenBy(l => l.RoomId)];
            if (skip >= rooms.Length)
            {
                skip -= rooms.Length;
                continue;
            }

            items.AddRange(rooms.Skip(skip).Take(query.Size + 1 - items.Count));
            skip = 0;
            if (items.Count > query.Size)
            {
                break;
            }
        }

        var today = calendar.Today();
        return new Page<RoomSummary>([.. items.Take(query.Size).Select(l => new RoomSummary(l, l.Date == today))], query.Page, query.Size, items.Count > query.Size);
    }
}
