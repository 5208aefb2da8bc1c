using System.Collections.Concurrent;
using System.Collections.Immutable;
using Partner.Rooms;
using Partner.Streams;

namespace Partner.Api.Rooms;

/// <summary>
/// The rooms of a window of meeting dates, in list order per (category or all, date, lifecycle or any), for answering room
/// lists and details on the API node. A page costs O(page × log rooms): each ordered set is a balanced tree with indexed
/// access. Changes come in any order and more than once; the newest version of a room wins. Writers are serialized by a
/// lock, readers take no lock (they read immutable sets).
/// </summary>
internal sealed class RoomIndex
{
    private static readonly IComparer<Place> ListOrder = Comparer<Place>.Create((a, b) =>
    {
        var byCreated = b.CreatedAt.CompareTo(a.CreatedAt);
        return byCreated != 0 ? byCreated : a.RoomId.CompareTo(b.RoomId);
    });

    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<Guid, Entry> entries = new();
    private readonly ConcurrentDictionary<Shelf, ImmutableSortedSet<Place>> shelves = new();
    private readonly ConcurrentDictionary<Aisle, ImmutableSortedSet<DateOnly>> aisles = new();

    public RoomIndex(DateOnly windowStart) => WindowStart = windowStart;

    /// <summary>The oldest meeting date held; older rooms are not held (their lists and details are read from the grains).</summary>
    public DateOnly WindowStart { get; private set; }

    /// <summary>True once rooms older than the window are known to exist (then a list running past the window cannot be answered here).</summary>
    public bool HasOlderRooms { get; private set; }

    public int Count => entries.Count;

    /// <summary>Takes a room's listing (and its full state when known); older versions than the held one are ignored.</summary>
    public bool Apply(RoomListing listing, RoomChanged? detail = null)
    {
        if (listing.Date < WindowStart)
        {
            return false;
        }

        lock (gate)
        {
            var held = entries.GetValueOrDefault(listing.RoomId);
            if (held is not null && held.Listing.Version > listing.Version)
            {
                return false;
            }

            if (held is not null && held.Listing.Version == listing.Version)
            {
                if (detail is not null && held.Detail is null)
                {
                    entries[listing.RoomId] = held with { Detail = detail };
                }

                return false;
            }

            if (held is not null && held.Listing.Lifecycle == RoomLifecycle.Deleted)
            {
                return false;
            }

            if (held is not null)
            {
                Shelve(held.Listing, add: false);
            }

            entries[listing.RoomId] = new Entry(listing, detail);
            if (listing.Lifecycle != RoomLifecycle.Deleted)
            {
                Shelve(listing, add: true);
            }

            return true;
        }
    }

    /// <summary>Takes a room's pushed state: its listing and its detail.</summary>
    public bool Apply(RoomChanged change) => Apply(change.Room.Listing, change);

    /// <summary>The room's full state when the index holds its newest known version; null when it must be read from the grain.</summary>
    public RoomChanged? Detail(Guid roomId) =>
        entries.TryGetValue(roomId, out var entry) && entry.Detail is { } detail && detail.Room.Listing.Version == entry.Listing.Version ? detail : null;

    /// <summary>
    /// One page of rooms, newest meeting date first, then newest created; null when this index cannot answer it (a date
    /// before the window, an unknown category, or a list running past the window while older rooms exist).
    /// </summary>
    /// <param name="category">A category's exact name, or null for all.</param>
    public Page<RoomListing>? Query(string? category, RoomLifecycle? lifecycle, DateOnly? date, int page, int size)
    {
        var skip = (long)page * size;
        if (date is { } day)
        {
            if (day < WindowStart)
            {
                return null;
            }

            var shelf = shelves.GetValueOrDefault(new Shelf(category, day, lifecycle), []);
            return new Page<RoomListing>(Take(shelf, skip, size), page, size, shelf.Count > skip + size);
        }

        var items = ImmutableArray.CreateBuilder<RoomListing>(size);
        var hasNext = false;
        foreach (var each in aisles.GetValueOrDefault(new Aisle(category, lifecycle), []).Reverse())
        {
            var shelf = shelves.GetValueOrDefault(new Shelf(category, each, lifecycle), []);
            if (items.Count == size)
            {
                hasNext = shelf.Count > 0;
                if (hasNext)
                {
                    break;
                }

                continue;
            }

            if (skip >= shelf.Count)
            {
                skip -= shelf.Count;
                continue;
            }

            var taken = Take(shelf, skip, size - items.Count);
            items.AddRange(taken);
            hasNext = shelf.Count > skip + taken.Length;
            skip = 0;
            if (hasNext && items.Count == size)
            {
                break;
            }
        }

        return HasOlderRooms && !hasNext ? null : new Page<RoomListing>(items.DrainToImmutable(), page, size, hasNext);
    }

    /// <summary>The rooms held for (<paramref name="category"/>, <paramref name="date"/>) that the directory did not list: each is asked.</summary>
    public ImmutableArray<Guid> Unlisted(string category, DateOnly date, IReadOnlySet<Guid> listed) =>
        [.. shelves.GetValueOrDefault(new Shelf(category, date, null), []).Select(p => p.RoomId).Where(id => !listed.Contains(id))];

    /// <summary>A room that is gone (deleted, or never finished): never listed again, whatever older change arrives later.</summary>
    public void Drop(Guid roomId)
    {
        lock (gate)
        {
            if (entries.TryGetValue(roomId, out var held) && held.Listing.Lifecycle != RoomLifecycle.Deleted)
            {
                Shelve(held.Listing, add: false);
                entries[roomId] = new Entry(held.Listing with { Lifecycle = RoomLifecycle.Deleted, Version = long.MaxValue }, null);
            }
            else if (held is null)
            {
                entries[roomId] = new Entry(Gone(roomId), null);
            }
        }
    }

    /// <summary>Forgets every room's full state (a silo was lost: pushes may be missing); details are read from the grains again.</summary>
    public void ForgetDetails()
    {
        lock (gate)
        {
            foreach (var (roomId, entry) in entries)
            {
                entries[roomId] = entry with { Detail = null };
            }
        }
    }

    /// <summary>Moves the window's start (a new day): rooms before it are dropped, and lists running past it go to the grains.</summary>
    public void MoveWindow(DateOnly windowStart)
    {
        lock (gate)
        {
            WindowStart = windowStart;
            foreach (var entry in entries.Values.Where(e => e.Listing.Date < windowStart))
            {
                HasOlderRooms |= entry.Listing.Lifecycle != RoomLifecycle.Deleted;
                Shelve(entry.Listing, add: false);
                entries.TryRemove(entry.Listing.RoomId, out _);
            }
        }
    }

    /// <summary>Rooms exist before the window (the directory says so).</summary>
    public void OlderRoomsExist()
    {
        lock (gate)
        {
            HasOlderRooms = true;
        }
    }

    private RoomListing Gone(Guid roomId) => new(
        roomId, "", "", WindowStart, 0, 0, false, RoomLifecycle.Deleted, null, ImmutableDictionary<string, ImmutableArray<string>>.Empty, default, long.MaxValue);

    private static ImmutableArray<RoomListing> Take(ImmutableSortedSet<Place> shelf, long skip, int count)
    {
        var end = Math.Min(shelf.Count, skip + count);
        var items = ImmutableArray.CreateBuilder<RoomListing>((int)Math.Max(0, end - skip));
        for (var i = skip; i < end; i++)
        {
            items.Add(shelf[(int)i].Listing);
        }

        return items.DrainToImmutable();
    }

    private void Shelve(RoomListing listing, bool add)
    {
        var place = new Place(listing);
        foreach (var category in (ReadOnlySpan<string?>)[listing.Category, null])
        {
            foreach (var lifecycle in (ReadOnlySpan<RoomLifecycle?>)[listing.Lifecycle, null])
            {
                var key = new Shelf(category, listing.Date, lifecycle);
                var shelf = shelves.GetValueOrDefault(key, ImmutableSortedSet.Create(ListOrder));
                shelf = add ? shelf.Remove(place).Add(place) : shelf.Remove(place);
                var aisle = new Aisle(category, lifecycle);
                var dates = aisles.GetValueOrDefault(aisle, []);
                if (shelf.IsEmpty)
                {
                    shelves.TryRemove(key, out _);
                    aisles[aisle] = dates.Remove(listing.Date);
                }
                else
                {
                    shelves[key] = shelf;
                    aisles[aisle] = dates.Add(listing.Date);
                }
            }
        }
    }

    /// <summary>A room held: its newest listing, and its full state when known at that version.</summary>
    private sealed record Entry(RoomListing Listing, RoomChanged? Detail);

    /// <summary>A room's place in list order; it carries the listing so that a page reads no other structure.</summary>
    private sealed record Place(RoomListing Listing)
    {
        public Guid RoomId => Listing.RoomId;

        public DateTimeOffset CreatedAt => Listing.CreatedAt;

        public bool Equals(Place? other) => other is not null && other.RoomId == RoomId;

        public override int GetHashCode() => RoomId.GetHashCode();
    }

    private readonly record struct Shelf(string? Category, DateOnly Date, RoomLifecycle? Lifecycle);

    private readonly record struct Aisle(string? Category, RoomLifecycle? Lifecycle);
}
