using Partner.Api.Alarms;
using Partner.Api.RandomMatch;
using Partner.Api.Rooms;

namespace Partner.Api.Live;

/// <summary>What the hub sends. Method names are the contract's wire names (<c>alarm</c>, <c>roomUpdated</c>, <c>ticketUpdated</c>), hence lower camel case.</summary>
#pragma warning disable IDE1006
public interface IPartnerClient
{
    /// <summary>A new alarm of the connected user, pushed once it is durable in the inbox, on every connection of that user.</summary>
    Task alarm(AlarmDto alarm);

    /// <summary>A room this connection subscribed to, after a change (join, leave, edit, completion, deletion: <c>deleted: true</c>).</summary>
    Task roomUpdated(RoomDto room);

    /// <summary>My random-match ticket ended (matched, expired, or cancelled on another device), on every connection of its owner.</summary>
    Task ticketUpdated(TicketDto ticket);
}
#pragma warning restore IDE1006
