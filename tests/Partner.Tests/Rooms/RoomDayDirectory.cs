using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Partner.Rooms;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

/// <summary>What a day's directory stores (only the ids of its rooms, appended once) and what it rebuilds from the rooms.</summary>
public sealed class RoomDayDirectory(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private readonly IGrainFactory grains = factory.Services.GetRequiredService<IGrainFactory>();
    private readonly IGrainStorage storage = factory.Services.GetRequiredKeyedService<IGrainStorage>("Default");

    [Fact]
    public async Task ACreationWritesOneShortSegmentHoweverManyRoomsTheDayHolds()
    {
        var date = Date(50);
        var created = new List<Guid>();
        for (var batch = 0; batch < 4; batch++)
        {
            var ids = Enumerable.Range(0, 25).Select(_ => Guid.NewGuid()).ToArray();
            await Task.WhenAll(ids.Select(id => grains.GetGrain<IRoomGrain>(id).Create(Owner(), Draft(date))));
            created.AddRange(ids);
        }

        var dayKey = RoomDirectory.DayKey("MEAL", date);
        var segments = new List<List<Guid>>();
        for (var number = 0; ; number++)
        {
            var segment = new GrainState<LogSegment<Guid>>(new LogSegment<Guid>());
            await storage.ReadStateAsync(RoomDayGrain.FiledKind, GrainId.Create(RoomDayGrain.FiledKind, $"{dayKey}/{number}"), segment);
            if (!segment.RecordExists)
            {
                break;
            }

            segments.Add(segment.State!.Items);
        }

        Assert.Equal((created.Count + RoomDayGrain.SegmentSize - 1) / RoomDayGrain.SegmentSize, segments.Count);
        Assert.All(segments, s => Assert.InRange(s.Count, 1, RoomDayGrain.SegmentSize));
        Assert.Equal(created.Order(), segments.SelectMany(s => s).Order());
        var dayRow = new GrainState<RoomDayState>(new RoomDayState());
        await storage.ReadStateAsync("day", grains.GetGrain<IRoomDayGrain>(dayKey).GetGrainId(), dayRow);
        Assert.False(dayRow.RecordExists, "the day's own row is no longer written");
        Assert.Equal(created.Count, (await grains.GetGrain<IRoomDayGrain>(dayKey).List(null)).Length);
    }

    [Fact]
    public async Task ListingsAreRebuiltFromTheRoomsWhenTheDirectoryActivatesAgain()
    {
        var date = Date(51);
        var movedTo = Date(52);
        var owner = Owner();
        var joined = grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        var deleted = grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        var moved = grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        foreach (var room in new[] { joined, deleted, moved })
        {
            await room.Create(owner, Draft(date));
        }

        await joined.Join(new Actor(Guid.NewGuid(), "joiner", false));
        await deleted.Delete(owner);
        await moved.Edit(owner, Draft(movedTo), null);

        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var listed = await grains.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey("MEAL", date)).List(null);
        var only = Assert.Single(listed);
        Assert.Equal(joined.GetPrimaryKey(), only.RoomId);
        Assert.Equal(2, only.ParticipantCount);
        var there = await grains.GetGrain<IRoomDayGrain>(RoomDirectory.DayKey("MEAL", movedTo)).List(null);
        Assert.Equal(moved.GetPrimaryKey(), Assert.Single(there).RoomId);
    }

    private static DateOnly Date(int days) => DateOnly.Parse(RoomRequests.InDays(days), CultureInfo.InvariantCulture);

    private static Actor Owner() => new(Guid.NewGuid(), "owner", false);

    private static RoomDraft Draft(DateOnly date) =>
        new("MEAL", "Directory", "Filed once", date, 4, false, []);
}
