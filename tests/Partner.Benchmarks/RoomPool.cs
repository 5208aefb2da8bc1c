using System.Collections.Concurrent;

namespace Partner.Benchmarks;

/// <summary>
/// The rooms open to joiners: a fixed number of slots, each holding one room until its seats are
/// taken, then the next spare room. Workers pick a slot at random, so load spreads over the slots.
/// </summary>
public sealed class RoomPool<TRoom>
    where TRoom : notnull
{
    private readonly Slot[] slots;
    private readonly ConcurrentQueue<TRoom> spares;
    private readonly int seats;
    private long rotations;
    private long exhausted;

    public RoomPool(IEnumerable<TRoom> initialRooms, IEnumerable<TRoom> spareRooms, int seats)
    {
        slots = [.. initialRooms.Select(room => new Slot(room))];
        spares = new ConcurrentQueue<TRoom>(spareRooms);
        this.seats = seats;
    }

    public int Slots => slots.Length;

    public int SparesLeft => spares.Count;

    /// <summary>Rooms taken from the spares because a slot's room filled up.</summary>
    public long Rotations => Interlocked.Read(ref rotations);

    /// <summary>Times a full room stayed in its slot because no spare was left (the run then counts full rooms).</summary>
    public long Exhausted => Interlocked.Read(ref exhausted);

    public (int Slot, TRoom Room) Pick()
    {
        var index = Random.Shared.Next(slots.Length);
        var slot = slots[index];
        lock (slot)
        {
            return (index, slot.Room);
        }
    }

    /// <summary>A join into <paramref name="room"/> succeeded; the slot moves on once every seat is taken.</summary>
    public void Joined(int index, TRoom room)
    {
        var slot = slots[index];
        lock (slot)
        {
            if (EqualityComparer<TRoom>.Default.Equals(slot.Room, room) && ++slot.Joined >= seats)
            {
                Rotate(slot);
            }
        }
    }

    /// <summary>The service said <paramref name="room"/> is full (a race with joins in flight): move on.</summary>
    public void Full(int index, TRoom room)
    {
        var slot = slots[index];
        lock (slot)
        {
            if (EqualityComparer<TRoom>.Default.Equals(slot.Room, room))
            {
                Rotate(slot);
            }
        }
    }

    private void Rotate(Slot slot)
    {
        if (spares.TryDequeue(out var next))
        {
            slot.Room = next;
            slot.Joined = 0;
            Interlocked.Increment(ref rotations);
        }
        else
        {
            Interlocked.Increment(ref exhausted);
        }
    }

    private sealed class Slot(TRoom room)
    {
        public TRoom Room { get; set; } = room;

        public int Joined { get; set; }
    }
}
