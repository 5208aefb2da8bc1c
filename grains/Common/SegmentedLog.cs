using Orleans.Storage;

namespace Partner;

/// <summary>One stored chunk of a <see cref="SegmentedLog{T}"/>; rewritten whole on each append to it, so kept short.</summary>
[GenerateSerializer, Alias("partner.log-segment`1")]
public sealed class LogSegment<T>
{
    [Id(0)] public List<T> Items { get; set; } = [];
}

/// <summary>
/// An append-only list kept as numbered segments through the grain storage provider itself (same
/// database, same serializer, same version checks) instead of inside one grain state: each append
/// rewrites only the tail segment, so a write costs at most about <c>segmentSize</c> items however
/// long the list is, and whole segments are dropped from the head. Rows carry <paramref name="kind"/> as
/// their state name and grain type, and "{key}/{segment number}" as their key. Used by one grain activation at a
/// time (its owner); after a failed append the owner must reload, since the write may have landed.
/// </summary>
public sealed class SegmentedLog<T>(IGrainStorage storage, string kind, string key, int segmentSize)
{
    private readonly GrainType segmentType = GrainType.Create(kind);
    private readonly Dictionary<long, string?> etags = [];
    private GrainState<LogSegment<T>> tail = new(new LogSegment<T>());

    /// <summary>The segment new items go to.</summary>
    public long Tail { get; private set; }

    private List<T> TailItems => (tail.State ??= new LogSegment<T>()).Items;

    /// <summary>The segment the next append will go to.</summary>
    public long NextSegment => TailItems.Count >= segmentSize ? Tail + 1 : Tail;

    /// <summary>Reads the stored segments from <paramref name="head"/> on, in order, and positions the tail after them.</summary>
    public async Task<List<(long Number, List<T> Items)>> ReadFromAsync(long head)
    {
        var segments = new List<(long, List<T>)>();
        Tail = head;
        tail = new GrainState<LogSegment<T>>(new LogSegment<T>());
        for (int first = 0, batch = 1; ; first += batch, batch = Math.Min(batch * 2, 16))
        {
            // Segments are numbered without gaps from the head: batches of 1, 2, 4, ... 16 read at once, ending at the first missing one.
            var reads = Enumerable.Range(0, batch).Select(async offset =>
            {
                var segment = new GrainState<LogSegment<T>>(new LogSegment<T>());
                await storage.ReadStateAsync(kind, Id(head + first + offset), segment);
                return segment;
            }).ToArray();
            var read = await Task.WhenAll(reads);
            for (var offset = 0; offset < batch; offset++)
            {
                var segment = read[offset];
                if (!segment.RecordExists || segment.State is null)
                {
                    return segments;
                }

                segment.State.Items ??= [];
                segments.Add((head + first + offset, segment.State.Items));
                etags[head + first + offset] = segment.ETag;
                Tail = head + first + offset;
                tail = segment;
            }
        }
    }

    /// <summary>Appends the items durably, all in one segment (a new one when the tail is full); returns that segment's number.</summary>
    public async Task<long> AppendAsync(IReadOnlyCollection<T> items)
    {
        if (TailItems.Count >= segmentSize)
        {
            var next = new GrainState<LogSegment<T>>(new LogSegment<T> { Items = [.. items] });
            await storage.WriteStateAsync(kind, Id(Tail + 1), next);
            Tail++;
            tail = next;
            etags[Tail] = next.ETag;
            return Tail;
        }

        var list = TailItems;
        var before = list.Count;
        list.AddRange(items);
        try
        {
            await storage.WriteStateAsync(kind, Id(Tail), tail);
        }
        catch
        {
            list.RemoveRange(before, list.Count - before);
            throw;
        }

        etags[Tail] = tail.ETag;
        return Tail;
    }

    /// <summary>Deletes a segment its owner no longer needs (below the head it has stored).</summary>
    public async Task ClearAsync(long number)
    {
        var segment = new GrainState<LogSegment<T>>(new LogSegment<T>()) { ETag = etags.GetValueOrDefault(number), RecordExists = true };
        await storage.ClearStateAsync(kind, Id(number), segment);
        etags.Remove(number);
    }

    /// <summary>The storage id of segment <paramref name="number"/> (e.g. for tests that look at what is stored).</summary>
    public GrainId Id(long number) => GrainId.Create(segmentType, $"{key}/{number}");
}
