using System.Collections.Immutable;
using System.Numerics;
using Partner.Catalog;

namespace Partner.RandomMatch;

/// <summary>A waiting ticket as the queue and its matcher hold it in memory.</summary>
public sealed class WaitingTicket : IJournalResident
{
    public required long Seq { get; init; }
    public required Guid UserId { get; init; }
    public required string Nickname { get; init; }
    public required ImmutableDictionary<string, ImmutableArray<string>> Conditions { get; init; }
    public required DateTimeOffset EnqueuedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Acceptable values per matched dimension, one bit per catalog value (catalog order).</summary>
    public required ulong[] Masks { get; init; }

    /// <summary>Every combination of one acceptable value per matched dimension, as cell numbers.</summary>
    public required int[] Cells { get; init; }

    /// <summary>The client's idempotency key of the request that created the ticket, if it sent one.</summary>
    public string? RequestId { get; init; }

    /// <summary>The journal segment holding this ticket's latest enqueue record.</summary>
    public long Home { get; set; }
}

/// <summary>
/// Groups compatible tickets of one category. A <em>cell</em> is one value per matched dimension;
/// a ticket covers every cell its acceptable sets allow. A set of tickets can be grouped exactly when
/// one cell is covered by all of them, so each cell keeps its waiting tickets oldest first. Groups
/// form as soon as they can, so no cell ever holds a whole group: lists stay shorter than the group size.
/// </summary>
public sealed class RandomMatcher
{
    /// <summary>The most cells (product of the matched dimensions' value counts) a category may have.</summary>
    public const int MaxCells = 65_536;

    private readonly DimensionDefinition[] dimensions;
    private readonly List<WaitingTicket>?[] cells;

    public RandomMatcher(CategoryDefinition category)
    {
        dimensions = [.. category.Dimensions.Where(d => d.MatchedInRandom)];
        GroupSize = category.RandomGroupSize;
        BigInteger count = 1;
        foreach (var dimension in dimensions)
        {
            count *= dimension.Values.Length;
        }

        if (GroupSize < 2 || count > MaxCells || dimensions.Any(d => d.Values.Length > 64))
        {
            throw new ArgumentException($"Category {category.Name} cannot be matched: group size {GroupSize}, {count} cells.", nameof(category));
        }

        cells = new List<WaitingTicket>?[(int)count];
    }

    public int GroupSize { get; }

    /// <summary>The acceptable-value bits of validated conditions; a missing or empty dimension accepts every value.</summary>
    public ulong[] Masks(IReadOnlyDictionary<string, ImmutableArray<string>> conditions)
    {
        var masks = new ulong[dimensions.Length];
        for (var d = 0; d < dimensions.Length; d++)
        {
            var values = dimensions[d].Values;
            var all = values.Length == 64 ? ulong.MaxValue : (1UL << values.Length) - 1;
            if (!conditions.TryGetValue(dimensions[d].Name, out var chosen) || chosen.IsDefaultOrEmpty)
            {
                masks[d] = all;
                continue;
            }

            foreach (var value in chosen)
            {
                var index = values.IndexOf(value, StringComparer.OrdinalIgnoreCase);
                if (index >= 0)
                {
                    masks[d] |= 1UL << index;
                }
            }
        }

        return masks;
    }

    /// <summary>The cells covered by <paramref name="masks"/> (mixed radix over the matched dimensions).</summary>
    public int[] CellsOf(ulong[] masks)
    {
        var result = new List<int> { 0 };
        var stride = 1;
        for (var d = 0; d < dimensions.Length; d++)
        {
            var next = new List<int>(result.Count * BitOperations.PopCount(masks[d]));
            foreach (var cell in result)
            {
                for (var bits = masks[d]; bits != 0; bits &= bits - 1)
                {
                    next.Add(cell + (BitOperations.TrailingZeroCount(bits) * stride));
                }
            }

            result = next;
            stride *= dimensions[d].Values.Length;
        }

        return [.. result];
    }

    /// <summary>Builds a ticket's matcher view; the conditions must already be validated against the catalog.</summary>
    public WaitingTicket Ticket(
        long seq, Guid userId, string nickname, ImmutableDictionary<string, ImmutableArray<string>> conditions, DateTimeOffset enqueuedAt, DateTimeOffset expiresAt, string? requestId = null)
    {
        var masks = Masks(conditions);
        return new WaitingTicket
        {
            Seq = seq,
            UserId = userId,
            Nickname = nickname,
            Conditions = conditions,
            EnqueuedAt = enqueuedAt,
            ExpiresAt = expiresAt,
            RequestId = requestId,
            Masks = masks,
            Cells = CellsOf(masks),
        };
    }

    /// <summary>True when two tickets share at least one value in every matched dimension.</summary>
    public static bool Compatible(WaitingTicket a, WaitingTicket b)
    {
        for (var d = 0; d < a.Masks.Length; d++)
        {
            if ((a.Masks[d] & b.Masks[d]) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the masks of <paramref name="a"/> and <paramref name="b"/> accept exactly the same values.</summary>
    public static bool SameConditions(WaitingTicket a, ulong[] masks) => a.Masks.AsSpan().SequenceEqual(masks);

    /// <summary>True when both accept the same values in every matched dimension (order, case and "any" spelled out do not matter).</summary>
    public bool SameConditions(IReadOnlyDictionary<string, ImmutableArray<string>> a, IReadOnlyDictionary<string, ImmutableArray<string>> b) =>
        Masks(a).AsSpan().SequenceEqual(Masks(b));

    public void Add(WaitingTicket ticket)
    {
        foreach (var cell in ticket.Cells)
        {
            var list = cells[cell] ??= [];
            var index = list.Count;
            while (index > 0 && list[index - 1].Seq > ticket.Seq)
            {
                index--;
            }

            list.Insert(index, ticket);
        }
    }

    public void Remove(WaitingTicket ticket)
    {
        foreach (var cell in ticket.Cells)
        {
            cells[cell]?.Remove(ticket);
        }
    }

    /// <summary>How many other waiting tickets could be grouped with <paramref name="ticket"/>: those sharing a cell with it, each once.</summary>
    public int CompatibleWaiting(WaitingTicket ticket)
    {
        if (ticket.Cells is [var only])
        {
            // Most tickets name one value per dimension: one cell, whose tickets are distinct already.
            return OthersWaitingIn(only, ticket);
        }

        HashSet<WaitingTicket>? others = null;
        foreach (var cell in ticket.Cells)
        {
            foreach (var other in cells[cell] ?? [])
            {
                if (other.UserId != ticket.UserId)
                {
                    (others ??= []).Add(other);
                }
            }
        }

        return others?.Count ?? 0;
    }

    /// <summary>How many waiting tickets of other users <paramref name="cell"/> holds.</summary>
    public int OthersWaitingIn(int cell, WaitingTicket ticket)
    {
        var count = 0;
        foreach (var other in cells[cell] ?? [])
        {
            count += other.UserId != ticket.UserId ? 1 : 0;
        }

        return count;
    }

    /// <summary>The number of cells, for per-cell bookkeeping beside the matcher.</summary>
    public int CellCount => cells.Length;

    /// <summary>
    /// The group <paramref name="newcomer"/> completes, oldest member first, or null. Among all groups that
    /// include it, the one whose members, sorted oldest first, are the oldest (compared member by member)
    /// wins: the oldest ticket that can be matched is matched, and older tickets beat younger ones.
    /// Tickets for which <paramref name="usable"/> is false (e.g. past their deadline) are never chosen.
    /// </summary>
    public WaitingTicket[]? FindGroup(WaitingTicket newcomer, Func<WaitingTicket, bool>? usable = null)
    {
        var need = GroupSize - 1;
        var candidate = new WaitingTicket[need];
        WaitingTicket[]? best = null;
        foreach (var cell in newcomer.Cells)
        {
            var list = cells[cell];
            if (list is null || list.Count < need)
            {
                continue;
            }

            var found = 0;
            foreach (var ticket in list)
            {
                if (ticket == newcomer || ticket.UserId == newcomer.UserId || (usable is not null && !usable(ticket)))
                {
                    continue;
                }

                candidate[found++] = ticket;
                if (found == need)
                {
                    break;
                }
            }

            if (found == need && (best is null || Older(candidate, best)))
            {
                best = (WaitingTicket[])candidate.Clone();
            }
        }

        return best is null ? null : [.. best.Append(newcomer).OrderBy(t => t.Seq)];
    }

    /// <summary>The agreed value of each matched dimension: the first value, in catalog order, that every member accepts.</summary>
    public ImmutableDictionary<string, ImmutableArray<string>> Agreed(IReadOnlyList<WaitingTicket> group)
    {
        var agreed = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>();
        for (var d = 0; d < dimensions.Length; d++)
        {
            var common = ulong.MaxValue;
            foreach (var ticket in group)
            {
                common &= ticket.Masks[d];
            }

            if (common == 0)
            {
                throw new InvalidOperationException($"The group has no common {dimensions[d].Name}.");
            }

            agreed[dimensions[d].Name] = [dimensions[d].Values[BitOperations.TrailingZeroCount(common)]];
        }

        return agreed.ToImmutable();
    }

    private static bool Older(WaitingTicket[] a, WaitingTicket[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i].Seq != b[i].Seq)
            {
                return a[i].Seq < b[i].Seq;
            }
        }

        return false;
    }
}
