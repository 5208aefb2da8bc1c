using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using Partner.Alarms;
using Partner.RandomMatch;
using Orleans.Runtime;
using Partner.Rooms;

namespace Partner.Streams;

/// <summary>
/// Names shared by the grains that publish and the API nodes that subscribe. Streams carry live
/// pushes only: a grain publishes after its write, and what a stream loses is read back from the
/// durable state (an inbox by seq, a room by id).
/// </summary>
public static class PartnerStreams
{
    /// <summary>The stream provider (<c>Orleans:Streaming:partner</c>); memory streams unless configured otherwise.</summary>
    public const string ProviderName = "partner";

    /// <summary>
    /// Users' pushes (<see cref="UserPush"/> items, each naming its user), on <see cref="UserStreamCount"/> streams shared
    /// by the users whose ids hash to them: each API node subscribes to all of them once and passes on the pushes of the
    /// users connected to it. A stream per user cost every user a pub-sub registration at its first push (a grain
    /// activation and a durable write) and every connection a subscription written to the pub-sub store.
    /// </summary>
    public const string UsersNamespace = "users";

    /// <summary>How many users' streams there are; all of one user's pushes go through the same one, in order.</summary>
    public const int UserStreamCount = 32;

    /// <summary>
    /// Per random-match queue (keyed by category): <see cref="TicketsChanged"/> batches, one per queue turn or wait-figures
    /// tick, in the queue's order; each API node passes on the tickets of its connected users.
    /// </summary>
    public const string QueuesNamespace = "queues";

    /// <summary>
    /// Every room's changes, per category in <see cref="RoomChangeShards"/> streams (keyed <c>CATEGORY/shard</c>, the room id
    /// picks the shard): <see cref="RoomChanged"/> items. Each API node keeps its room lists and details from them.
    /// </summary>
    public const string RoomChangesNamespace = "room-changes";

    /// <summary>Streams per category for room changes, so that one category's changes spread over several stream queues.</summary>
    public const int RoomChangeShards = 4;

    /// <summary>The stream that carries <paramref name="userId"/>'s pushes, shared with the other users that hash to it.</summary>
    public static StreamId User(Guid userId)
    {
        // A hash of the id's bytes, the same in every process and .NET version (unlike string hashes).
        Span<byte> bytes = stackalloc byte[16];
        userId.TryWriteBytes(bytes);
        var hash = BinaryPrimitives.ReadUInt64LittleEndian(bytes) ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        return UsersStream((int)(hash % UserStreamCount));
    }

    /// <summary>Every users' stream, as each API node subscribes to them.</summary>
    public static IEnumerable<StreamId> AllUsers => Enumerable.Range(0, UserStreamCount).Select(UsersStream);

    private static StreamId UsersStream(int index) => StreamId.Create(UsersNamespace, index.ToString(CultureInfo.InvariantCulture));

    public static StreamId Queue(string category) => StreamId.Create(QueuesNamespace, category);

    public static StreamId RoomChanges(string category, Guid roomId) => RoomChanges(category, (int)((uint)roomId.GetHashCode() % RoomChangeShards));

    public static StreamId RoomChanges(string category, int shard) => StreamId.Create(RoomChangesNamespace, $"{category}/{shard}");
}

/// <summary>
/// Something for every connection of one user (<see cref="UserId"/>, as the stream is shared): a new alarm (durable in the
/// inbox before it is pushed), or the end of the account.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.user-push")]
public sealed record UserPush(
    [property: Id(0)] Alarm? Alarm,
    [property: Id(1)] bool Withdrawn,
    [property: Id(2)] Guid UserId)
{
    public static UserPush Of(Guid userId, Alarm alarm) => new(alarm, false, userId);

    public static UserPush AccountWithdrawn(Guid userId) => new(null, true, userId);
}

/// <summary>
/// A room after a durable change, seen by nobody in particular, with who each participant is (in
/// the order of <see cref="RoomView.Participants"/>) so that an API node can mark each connection's
/// own seat. The ids never leave the API node.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.room-changed")]
public sealed record RoomChanged(
    [property: Id(0)] RoomView Room,
    [property: Id(1)] ImmutableArray<Guid> ParticipantIds)
{
    /// <summary>The room as <paramref name="viewer"/> sees it: their own seat marked (<see cref="ParticipantView.IsMe"/>).</summary>
    public RoomView For(Guid? viewer) => Room with
    {
        Participants = [.. Room.Participants.Select((p, i) => p with { IsMe = ParticipantIds[i] == viewer })],
    };
}

/// <summary>
/// Random-match tickets of one queue that changed, each as its owner sees it: ended (matched, expired, cancelled — durable in
/// the queue's journal first) or still waiting with new wait figures. One stream per queue, not one per owner: a queue turn
/// that touches thousands of tickets publishes once.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.tickets-changed")]
public sealed record TicketsChanged([property: Id(0)] ImmutableArray<TicketChange> Tickets, [property: Id(1)] ImmutableArray<TicketFigures> Figures);

/// <summary>
/// A still-waiting ticket whose wait figures changed, without the rest of the ticket: the queue's tick may describe thousands
/// at once, and every API node receives them all, so each is a few bytes; an API node holding a connection of the owner
/// reads the whole ticket from the queue before pushing it.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.ticket-figures")]
public sealed record TicketFigures([property: Id(0)] Guid UserId, [property: Id(1)] int CompatibleWaiting, [property: Id(2)] int? EstimatedWaitSeconds);

/// <summary>One owner's ticket in a <see cref="TicketsChanged"/> batch.</summary>
[GenerateSerializer, Immutable, Alias("partner.ticket-change")]
public sealed record TicketChange([property: Id(0)] Guid UserId, [property: Id(1)] TicketView Ticket);
