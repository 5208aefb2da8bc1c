using Orleans.Storage;

namespace Partner.RandomMatch;

/// <summary>
/// A queue's journal, stored as numbered segments through the grain storage provider itself (same
/// database, same serializer, same version checks). Each append rewrites only the tail segment, so a
/// write costs at most <c>segmentEvents</c> events however long the queue is.
/// </summary>
public sealed class QueueJournal(IGrainStorage storage, string category, int segmentEvents)
{
    private const string StateName = "journal";
    private static readonly GrainType SegmentType = GrainType.Create("partner-rmq-segment");
    private readonly Dictionary<long, string?> etags = [];
    private GrainState<JournalSegment> tail = new(new JournalSegment());

    /// <summary>The segment new events go to.</summary>
    public long Tail { get; private set; }

    private List<QueueEvent> TailEvents => (tail.State ??= new JournalSegment()).Events;

    /// <summary>Reads the stored segments from <paramref name="head"/> on, in order, and positions the tail after them.</summary>
    public async Task<List<(long Number, JournalSegment Segment)>> ReadFromAsync(long head)
    {
        const int batch = 16;
        var segments = new List<(long, JournalSegment)>();
        Tail = head;
        tail = new GrainState<JournalSegment>(new JournalSegment());
        for (var first = head; ; first += batch)
        {
            // Segments are numbered without gaps from the head, so a batch is read at once and ends at the first missing one.
            var reads = Enumerable.Range(0, batch).Select(async offset =>
            {
                var segment = new GrainState<JournalSegment>(new JournalSegment());
                await storage.ReadStateAsync(StateName, Id(first + offset), segment);
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

                segment.State.Events ??= [];
                segments.Add((first + offset, segment.State));
                etags[first + offset] = segment.ETag;
                Tail = first + offset;
                tail = segment;
            }
        }
    }

    /// <summary>Appends the events durably, all in one segment (a new one when the tail is full); returns that segment's number.</summary>
    public async Task<long> AppendAsync(IReadOnlyCollection<QueueEvent> events)
    {
        if (TailEvents.Count >= segmentEvents)
        {
            var next = new GrainState<JournalSegment>(new JournalSegment { Events = [.. events] });
            await storage.WriteStateAsync(StateName, Id(Tail + 1), next);
            Tail++;
            tail = next;
            etags[Tail] = next.ETag;
            return Tail;
        }

        var list = TailEvents;
        var before = list.Count;
        list.AddRange(events);
        try
        {
            await storage.WriteStateAsync(StateName, Id(Tail), tail);
        }
        catch
        {
            list.RemoveRange(before, list.Count - before);
            throw;
        }

        etags[Tail] = tail.ETag;
        return Tail;
    }

    /// <summary>Deletes a segment the queue no longer needs (below its persisted head).</summary>
    public async Task ClearAsync(long number)
    {
        var segment = new GrainState<JournalSegment>(new JournalSegment()) { ETag = etags.GetValueOrDefault(number), RecordExists = true };
        await storage.ClearStateAsync(StateName, Id(number), segment);
        etags.Remove(number);
    }

    private GrainId Id(long number) => GrainId.Create(SegmentType, $"{category}/{number}");
}
