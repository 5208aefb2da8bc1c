using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Partner.Api.Alarms;
using Partner.Api.Auth;
using Partner.Api.Rooms;
using Partner.Alarms;
using Partner.Rooms;

namespace Partner.Api.Live;

/// <summary>
/// <c>/hubs/partner</c>: maps connections to the live feeds of this API node and answers catch-up
/// reads; the rules stay in the grains, the feeds in <see cref="LiveFeeds"/>.
/// </summary>
[Authorize]
public sealed class PartnerHub(LiveFeeds feeds, IGrainFactory grains) : Hub<IPartnerClient>
{
    private CurrentUser Me => CurrentUser.From(Context.User!) ?? throw new HubException("The connection has no user.");

    public override Task OnConnectedAsync() => feeds.ConnectAsync(Context, Me.UserId);

    public override Task OnDisconnectedAsync(Exception? exception) => feeds.DisconnectAsync(Context.ConnectionId, Me.UserId);

    /// <summary>
    /// Starts <c>roomUpdated</c> pushes for the room and returns it as it is now. Pushes carry the
    /// room's version: one no newer than what the caller holds is never sent after this answer.
    /// </summary>
    public async Task<RoomDto> SubscribeRoom(Guid roomId)
    {
        // Subscribed before reading, so that no change falls between the read and the first push.
        await feeds.SubscribeRoomAsync(Context.ConnectionId, Me.UserId, roomId);
        RoomView room;
        try
        {
            room = await grains.GetGrain<IRoomGrain>(roomId).Get(Me.UserId);
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.NotFound)
        {
            await feeds.UnsubscribeRoomAsync(Context.ConnectionId, roomId);
            throw new HubException($"Room {roomId} was not found.");
        }

        feeds.Seen(Context.ConnectionId, roomId, room.Listing.Version);
        return RoomDto.From(room);
    }

    public Task UnsubscribeRoom(Guid roomId) => feeds.UnsubscribeRoomAsync(Context.ConnectionId, roomId);

    /// <summary>The alarms with seq &gt; <paramref name="lastSeq"/> still kept, ascending: what a reconnecting client missed.</summary>
    public async Task<AlarmDto[]> Resume(long lastSeq)
    {
        if (lastSeq < 0)
        {
            throw new HubException("lastSeq is 0 or more.");
        }

        var missed = await grains.GetGrain<IAlarmInboxGrain>(Me.UserId).Since(lastSeq);
        return [.. missed.Select(AlarmDto.From)];
    }
}
