using System.Collections.Immutable;
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

    /// <summary>Per user (keyed by user id): <see cref="UserPush"/> items.</summary>
    public const string UsersNamespace = "users";

    /// <summary>Per room (keyed by room id): <see cref="RoomChanged"/> items.</summary>
    public const string RoomsNamespace = "rooms";

    public static StreamId User(Guid userId) => StreamId.Create(UsersNamespace, userId);

    public static StreamId Room(Guid roomId) => StreamId.Create(RoomsNamespace, roomId);
}

/// <summary>
/// Something for every connection of one user: a new alarm (durable in the inbox before it is
/// pushed), a random-match ticket that changed (durable in its queue's journal), or the end of the account.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.user-push")]
public sealed record UserPush(
    [property: Id(0)] Alarm? Alarm,
    [property: Id(1)] bool Withdrawn,
    [property: Id(2)] TicketView? Ticket = null)
{
    public static UserPush Of(Alarm alarm) => new(alarm, false);

    public static UserPush Of(TicketView ticket) => new(null, false, ticket);

    public static UserPush AccountWithdrawn { get; } = new(null, true);
}

/// <summary>
/// A room after a durable change, seen by nobody in particular, with who each participant is (in
/// the order of <see cref="RoomView.Participants"/>) so that an API node can mark each connection's
/// own seat. The ids never leave the API node.
/// </summary>
[GenerateSerializer, Immutable, Alias("partner.room-changed")]
public sealed record RoomChanged(
    [property: Id(0)] RoomView Room,
    [property: Id(1)] ImmutableArray<Guid> ParticipantIds);
