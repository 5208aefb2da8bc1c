using System.Collections.Immutable;
using Partner.Api.Rooms;
using Partner.Rooms;
using Partner.Streams;
using Lifecycle = Partner.Rooms.RoomLifecycle;
using Listing = Partner.Rooms.RoomListing;

namespace Partner.Tests.Rooms;

public sealed class RoomIndexRules
{
    private static readonly DateOnly Today = new(2026, 12, 7);
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private readonly RoomIndex index = new(Today.AddDays(-7));

    [Fact]
    public void APageIsNewestMeetingDateFirstThenNewestCreated()
    {
        var older = Room("MEAL", Today, created: 1);
        var newer = Room("MEAL", Today, created: 2);
        var tomorrow = Room("MEAL", Today.AddDays(1), created: 0);
        foreach (var listing in new[] { older, tomorrow, newer })
        {
            index.Apply(listing);
        }

        var page = index.Query("MEAL", null, null, 0, 20)!;

        Assert.Equal([tomorrow.RoomId, newer.RoomId, older.RoomId], page.Items.Select(l => l.RoomId));
        Assert.False(page.HasNext);
    }

    [Fact]
    public void PagesRunAcrossDatesAndSayWhetherMoreFollow()
    {
        var rooms = Enumerable.Range(0, 5).Select(i => Room("MEAL", Today.AddDays(i % 2), created: i)).ToArray();
        foreach (var listing in rooms)
        {
            index.Apply(listing);
        }

        var pages = Enumerable.Range(0, 3).Select(p => index.Query("MEAL", null, null, p, 2)!).ToArray();

        Assert.Equal(
            rooms.OrderByDescending(l => l.Date).ThenByDescending(l => l.CreatedAt).Select(l => l.RoomId),
            pages.SelectMany(p => p.Items).Select(l => l.RoomId));
        Assert.Equal([true, true, false], pages.Select(p => p.HasNext));
    }

    [Fact]
    public void ANewerVersionReplacesTheRoomAndAnOlderOneIsIgnored()
    {
        var room = Room("MEAL", Today, created: 1);
        index.Apply(room with { ParticipantCount = 3, Version = 3 });

        Assert.False(index.Apply(room with { ParticipantCount = 2, Version = 2 }));

        Assert.Equal(3, Assert.Single(index.Query("MEAL", null, Today, 0, 20)!.Items).ParticipantCount);
    }

    [Fact]
    public void ACompletedRoomMovesToTheCompletedListAndAnEditedDateMovesItsDay()
    {
        var room = Room("MEAL", Today, created: 1);
        index.Apply(room);
        index.Apply(room with { Lifecycle = Lifecycle.Completed, Version = 2 });
        var moved = Room("MEAL", Today, created: 2);
        index.Apply(moved);
        index.Apply(moved with { Date = Today.AddDays(3), Version = 2 });

        Assert.Equal([room.RoomId], index.Query("MEAL", Lifecycle.Completed, null, 0, 20)!.Items.Select(l => l.RoomId));
        Assert.Equal([moved.RoomId], index.Query("MEAL", Lifecycle.Open, null, 0, 20)!.Items.Select(l => l.RoomId));
        Assert.Equal([room.RoomId], index.Query("MEAL", null, Today, 0, 20)!.Items.Select(l => l.RoomId));
    }

    [Fact]
    public void ADeletedRoomIsNeverListedAgainWhateverArrivesLater()
    {
        var room = Room("MEAL", Today, created: 1);
        index.Apply(room with { Version = 2 });
        index.Apply(room with { Lifecycle = Lifecycle.Deleted, Version = 3 });
        index.Apply(room with { Version = 2 });
        var dropped = Room("MEAL", Today, created: 2);
        index.Drop(dropped.RoomId);
        index.Apply(dropped);

        Assert.Empty(index.Query(null, null, null, 0, 20)!.Items);
    }

    [Fact]
    public void AllCategoriesMergeInOneOrder()
    {
        var meal = Room("MEAL", Today, created: 1);
        var study = Room("STUDY", Today, created: 2);
        index.Apply(meal);
        index.Apply(study);

        Assert.Equal([study.RoomId, meal.RoomId], index.Query(null, null, Today, 0, 20)!.Items.Select(l => l.RoomId));
        Assert.Equal([meal.RoomId], index.Query("MEAL", null, Today, 0, 20)!.Items.Select(l => l.RoomId));
    }

    [Fact]
    public void DatesBeforeTheWindowAreLeftToTheGrains()
    {
        index.Apply(Room("MEAL", Today.AddDays(-8), created: 1));

        Assert.Null(index.Query("MEAL", null, Today.AddDays(-8), 0, 20));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void AListRunningPastTheWindowIsLeftToTheGrainsOnceOlderRoomsExist()
    {
        var rooms = Enumerable.Range(0, 3).Select(i => Room("MEAL", Today, created: i)).ToArray();
        foreach (var listing in rooms)
        {
            index.Apply(listing);
        }

        index.OlderRoomsExist();

        Assert.NotNull(index.Query("MEAL", null, null, 0, 2));
        Assert.Null(index.Query("MEAL", null, null, 1, 2));
        Assert.NotNull(index.Query("MEAL", null, Today, 1, 2));
    }

    [Fact]
    public void MovingTheWindowDropsTheDaysBeforeIt()
    {
        var yesterday = Room("MEAL", Today.AddDays(-1), created: 1);
        var today = Room("MEAL", Today, created: 2);
        index.Apply(yesterday);
        index.Apply(today);

        index.MoveWindow(Today);

        Assert.True(index.HasOlderRooms);
        Assert.Null(index.Query("MEAL", null, Today.AddDays(-1), 0, 20));
        Assert.Equal([today.RoomId], index.Query("MEAL", null, Today, 0, 20)!.Items.Select(l => l.RoomId));
    }

    [Fact]
    public void ADetailIsAnsweredOnlyAtTheNewestVersionKnown()
    {
        var room = Room("MEAL", Today, created: 1);
        index.Apply(Changed(room));
        Assert.NotNull(index.Detail(room.RoomId));

        index.Apply(room with { ParticipantCount = 2, Version = 2 });
        Assert.Null(index.Detail(room.RoomId));

        index.Apply(Changed(room with { ParticipantCount = 2, Version = 2 }));
        Assert.Equal(2, index.Detail(room.RoomId)!.Room.Listing.ParticipantCount);

        index.ForgetDetails();
        Assert.Null(index.Detail(room.RoomId));
    }

    [Fact]
    public void UnlistedNamesTheHeldRoomsTheDirectoryDidNotList()
    {
        var listed = Room("MEAL", Today, created: 1);
        var unlisted = Room("MEAL", Today, created: 2);
        index.Apply(listed);
        index.Apply(unlisted);

        Assert.Equal(unlisted.RoomId, Assert.Single(index.Unlisted("MEAL", Today, new HashSet<Guid> { listed.RoomId })));
    }

    [Fact]
    public void EveryPageMatchesAPlainSortOfTheNewestVersions()
    {
        var random = new Random(42);
        var categories = new[] { "MEAL", "STUDY" };
        var rooms = Enumerable.Range(0, 60).Select(i => Room(categories[i % 2], Today.AddDays(random.Next(-2, 4)), created: random.Next(0, 20))).ToArray();
        var newest = new Dictionary<Guid, Listing>();
        for (var step = 0; step < 600; step++)
        {
            var room = rooms[random.Next(rooms.Length)];
            var version = random.Next(1, 30);
            var changed = room with
            {
                Version = version,
                ParticipantCount = version % room.Capacity,
                Lifecycle = (Lifecycle)random.Next(0, 3),
                Date = version % 7 == 0 ? Today.AddDays(random.Next(0, 4)) : room.Date,
            };
            index.Apply(changed);
            if (!newest.TryGetValue(room.RoomId, out var held) || (held.Lifecycle != Lifecycle.Deleted && held.Version < version))
            {
                newest[room.RoomId] = changed;
            }
        }

        foreach (var category in new[] { null, "MEAL", "STUDY" })
        {
            foreach (var lifecycle in new Lifecycle?[] { null, Lifecycle.Open, Lifecycle.Completed })
            {
                var expected = newest.Values
                    .Where(l => l.Lifecycle != Lifecycle.Deleted && (category is null || l.Category == category) && (lifecycle is null || l.Lifecycle == lifecycle))
                    .OrderByDescending(l => l.Date).ThenByDescending(l => l.CreatedAt).ThenBy(l => l.RoomId)
                    .ToArray();
                for (var page = 0; page * 7 <= expected.Length; page++)
                {
                    var answer = index.Query(category, lifecycle, null, page, 7)!;
                    Assert.Equal(expected.Skip(page * 7).Take(7), answer.Items);
                    Assert.Equal(expected.Length > (page + 1) * 7, answer.HasNext);
                }
            }
        }
    }

    private static RoomChanged Changed(Listing listing) =>
        new(new RoomView(listing, "content", [new ParticipantView("owner", true, false)], null, Noon, false), [Guid.NewGuid()]);

    private static Listing Room(string category, DateOnly date, int created) => new(
        Guid.NewGuid(), category, "title", date, 4, 1, false, Lifecycle.Open, null,
        ImmutableDictionary<string, ImmutableArray<string>>.Empty, Noon.AddMinutes(created), 1);
}
