using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Orleans.Streams;
using Partner.Api.Alarms;
using Partner.Api.Operations;
using Partner.Api.RandomMatch;
using Partner.Api.Rooms;
using Partner.Alarms;
using Partner.Catalog;
using Partner.RandomMatch;
using Partner.Rooms;
using Partner.Streams;

namespace Partner.Api.Live;

/// <summary>
/// The live feeds of this API node: the users' and random-match queues' shared streams, taken with the
/// node's first connection, and the rooms' changes, which the node's room read model receives for every
/// room (the Orleans cluster is the backplane).
/// Alarms go out in seq order, once each: a gap in the seqs is filled from the inbox before the alarm
/// that revealed it.
/// </summary>
public sealed partial class LiveFeeds(
    IClusterClient cluster,
    IGrainFactory grains,
    IHubContext<PartnerHub, IPartnerClient> hub,
    ApiMetrics metrics,
    RoomReadModel reads,
    ILogger<LiveFeeds> logger)
{
    private readonly ApiMetrics metrics = metrics;
    private readonly IGrainFactory grains = grains;
    private readonly IHubContext<PartnerHub, IPartnerClient> hub = hub;
    private readonly ILogger<LiveFeeds> logger = logger;
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, UserFeed> users = [];
    private readonly Dictionary<Guid, RoomFeed> rooms = [];
    private readonly ConcurrentDictionary<string, Connection> connections = new();
    private SharedFeeds? shared;
    private bool roomPushes;

    public async Task ConnectAsync(HubCallerContext context, Guid userId)
    {
        connections[context.ConnectionId] = new Connection(context);
        metrics.HubConnected();
        UserFeed feed;
        SharedFeeds node;
        lock (gate)
        {
            if (shared is null || shared.Started.IsFaulted || shared.Started.IsCanceled)
            {
                shared = new SharedFeeds(this, shared);
            }

            node = shared;
            if (!users.TryGetValue(userId, out feed!))
            {
                feed = users[userId] = new UserFeed(this, userId, node.Started);
            }

            feed.Connections.Add(context.ConnectionId);
        }

        try
        {
            await Task.WhenAll(node.Started, feed.Started);
        }
        catch
        {
            // The cluster did not answer: refuse this connection, and let the next one try afresh.
            connections.TryRemove(context.ConnectionId, out _);
            lock (gate)
            {
                feed.Connections.Remove(context.ConnectionId);
                if (users.TryGetValue(userId, out var current) && current == feed)
                {
                    users.Remove(userId);
                }
            }

            throw;
        }
    }

    public Task DisconnectAsync(string connectionId, Guid userId)
    {
        if (!connections.TryRemove(connectionId, out var connection))
        {
            return Task.CompletedTask;
        }

        metrics.HubDisconnected();

        lock (gate)
        {
            if (users.TryGetValue(userId, out var feed) && feed.Connections.Remove(connectionId) && feed.Connections.Count == 0)
            {
                users.Remove(userId);
            }

            foreach (var roomId in connection.RoomIds)
            {
                if (rooms.TryGetValue(roomId, out var room) && room.Leave(connectionId))
                {
                    rooms.Remove(roomId);
                }
            }
        }

        return Task.CompletedTask;
    }

    public async Task SubscribeRoomAsync(string connectionId, Guid userId, Guid roomId)
    {
        if (!connections.TryGetValue(connectionId, out var connection) || !connection.Watch(roomId))
        {
            return;
        }

        RoomFeed feed;
        lock (gate)
        {
            if (!roomPushes)
            {
                reads.Changed += OnRoomChangedAsync;
                roomPushes = true;
            }

            if (!rooms.TryGetValue(roomId, out feed!))
            {
                feed = rooms[roomId] = new RoomFeed(this, roomId);
            }

            feed.Connections[connectionId] = new Watcher(userId);
        }

        try
        {
            await reads.Subscribed();
        }
        catch
        {
            connection.Leave(roomId);
            lock (gate)
            {
                if (feed.Leave(connectionId) && rooms.TryGetValue(roomId, out var current) && current == feed)
                {
                    rooms.Remove(roomId);
                }
            }

            throw;
        }
    }

    public async Task UnsubscribeRoomAsync(string connectionId, Guid roomId)
    {
        if (!connections.TryGetValue(connectionId, out var connection) || !connection.Leave(roomId))
        {
            return;
        }

        lock (gate)
        {
            if (rooms.TryGetValue(roomId, out var feed) && feed.Leave(connectionId))
            {
                rooms.Remove(roomId);
            }
        }
    }

    /// <summary>A room changed: the connections of this node that watch it get it as their user sees it.</summary>
    private Task OnRoomChangedAsync(RoomChanged change)
    {
        RoomFeed? feed;
        lock (gate)
        {
            feed = rooms.GetValueOrDefault(change.Room.Listing.RoomId);
        }

        return feed?.OnChangeAsync(change) ?? Task.CompletedTask;
    }

    /// <summary>The connection holds the room at <paramref name="version"/>: older pushes are not sent to it any more.</summary>
    public void Seen(string connectionId, Guid roomId, long version)
    {
        lock (gate)
        {
            if (rooms.TryGetValue(roomId, out var feed) && feed.Connections.TryGetValue(connectionId, out var watcher))
            {
                watcher.Saw(version);
            }
        }
    }

    /// <summary>
    /// Takes again any shared stream subscription Orleans dropped, then re-reads every connected user's inbox beyond what
    /// was pushed, and every watched room: after a silo failure, pushes that were in flight in its stream queues are gone,
    /// and no later change may come to reveal the gap.
    /// </summary>
    public async Task HealAsync()
    {
        SharedFeeds? node;
        Func<Task>[] heals;
        lock (gate)
        {
            node = shared;
            heals = [.. users.Values.Select(feed => (Func<Task>)feed.HealAsync), .. rooms.Values.Select(feed => (Func<Task>)feed.HealAsync)];
        }

        if (node is not null)
        {
            await node.RenewAsync();
        }

        foreach (var heal in heals)
        {
            try
            {
                await heal();
            }
            catch (Exception ex)
            {
                LogHealFailed(logger, ex);
            }
        }
    }

    /// <summary>
    /// Ends this node's subscriptions to the shared streams as it stops, so that the silos stop delivering to it at once;
    /// a node that dies without this keeps them until Orleans finds its client gone and drops them.
    /// </summary>
    public Task StopAsync()
    {
        SharedFeeds? feeds;
        lock (gate)
        {
            feeds = shared;
        }

        return feeds?.StopAsync() ?? Task.CompletedTask;
    }

    private IAsyncStream<T> Stream<T>(StreamId id) => cluster.GetStreamProvider(PartnerStreams.ProviderName).GetStream<T>(id);

    /// <summary>
    /// The pushes to every connection of one user on this node, each connection once (a SignalR group per user would cost
    /// each idle connection a group of its own). Null when the user has no connection here.
    /// </summary>
    private IPartnerClient? UserClients(Guid userId)
    {
        lock (gate)
        {
            return ClientsOf(users.GetValueOrDefault(userId));
        }
    }

    /// <summary>The connections of <paramref name="feed"/> (none once its user left this node, even if the user came back under a new feed).</summary>
    private IPartnerClient? ClientsOf(UserFeed? feed)
    {
        lock (gate)
        {
            return feed is { Connections.Count: > 0 } ? hub.Clients.Clients([.. feed.Connections]) : null;
        }
    }

    /// <summary>A connection of this node, and the rooms it watches (most connections never watch one: no set until then).</summary>
    private sealed class Connection(HubCallerContext context)
    {
        private ConcurrentDictionary<Guid, byte>? rooms;

        public HubCallerContext Context => context;

        public IEnumerable<Guid> RoomIds => rooms?.Keys ?? [];

        /// <summary>False when the connection already watches the room.</summary>
        public bool Watch(Guid roomId) => LazyInitializer.EnsureInitialized(ref rooms).TryAdd(roomId, 0);

        /// <summary>False when the connection did not watch the room.</summary>
        public bool Leave(Guid roomId) => rooms?.TryRemove(roomId, out _) == true;
    }

    /// <summary>One user's pushes on this node: its alarms in seq order, and the closing of its connections at withdrawal.</summary>
    private sealed class UserFeed
    {
        private readonly LiveFeeds owner;
        private readonly Guid userId;
        private readonly SemaphoreSlim order = new(1, 1);
        private long lastPushed;

        public UserFeed(LiveFeeds owner, Guid userId, Task subscribed)
        {
            this.owner = owner;
            this.userId = userId;
            Started = StartAsync(subscribed);
        }

        /// <summary>Connection ids of this user on this node; guarded by the owner's lock.</summary>
        public HashSet<string> Connections { get; } = [];

        /// <summary>Done once the feed knows the last seq its user's connections were given (by their Resume).</summary>
        public Task Started { get; }

        private async Task StartAsync(Task subscribed)
        {
            // Pushes start after what the inbox holds now; what came before is the client's Resume. The shared streams are
            // subscribed first, so nothing raised after this read can be missed.
            await subscribed;
            lastPushed = (await Inbox.List(null, 1)).LastSeq;
        }

        private IAlarmInboxGrain Inbox => owner.grains.GetGrain<IAlarmInboxGrain>(userId);

        /// <summary>Handles a push apart from the stream's delivery, so that one user's catch-up never holds up the others of its stream.</summary>
        public void Receive(UserPush push) => _ = ReceiveAsync(push);

        private async Task ReceiveAsync(UserPush push)
        {
            try
            {
                if (!await StartedAsync())
                {
                    return;
                }

                if (push.Withdrawn)
                {
                    CloseConnections();
                }
                else if (push.Alarm is { } alarm)
                {
                    await PushAsync(alarm);
                }
            }
            catch (Exception ex)
            {
                LogHealFailed(owner.logger, ex);
            }
        }

        /// <summary>False when the feed never started: its connections were refused, and nothing is pushed.</summary>
        private async Task<bool> StartedAsync()
        {
            try
            {
                await Started;
                return true;
            }
            catch
            {
                return false;
            }
        }

        private void CloseConnections()
        {
            string[] ids;
            lock (owner.gate)
            {
                ids = [.. Connections];
            }

            foreach (var id in ids)
            {
                if (owner.connections.TryGetValue(id, out var connection))
                {
                    connection.Context.Abort();
                }
            }
        }

        private async Task PushAsync(Alarm alarm)
        {
            await order.WaitAsync();
            try
            {
                if (alarm.Seq <= lastPushed)
                {
                    return;
                }

                // A push the stream lost: read the alarms in between from the inbox, in order.
                await CatchUpAsync(before: alarm.Seq);
                await SendAsync(alarm);
            }
            finally
            {
                order.Release();
            }
        }

        /// <summary>
        /// Pushes what the inbox holds beyond the last alarm pushed: pushes a silo failure may have lost. Waits for the
        /// feed's start, which sets the last seq the connections already hold: before it, everything would look lost.
        /// </summary>
        public async Task HealAsync()
        {
            if (!await StartedAsync())
            {
                return;
            }

            await order.WaitAsync();
            try
            {
                await CatchUpAsync(before: long.MaxValue);
            }
            finally
            {
                order.Release();
            }
        }

        private async Task CatchUpAsync(long before)
        {
            if (before <= lastPushed + 1)
            {
                return;
            }

            foreach (var earlier in (await Inbox.Since(lastPushed)).Where(a => a.Seq < before))
            {
                await SendAsync(earlier);
            }
        }

        private async Task SendAsync(Alarm alarm)
        {
            if (owner.ClientsOf(this) is { } clients)
            {
                await clients.alarm(AlarmDto.From(alarm));
            }

            owner.metrics.AlarmPushed(alarm.CreatedAt);
            lastPushed = alarm.Seq;
        }
    }

    /// <summary>
    /// The streams this node takes with its first connection and keeps until it stops: the users' shared streams (each push
    /// goes to its user's feed when the user is connected here) and every random-match queue's (each batch of changed
    /// tickets goes to the owners connected here). A node receives every push of the cluster once, instead of a stream
    /// subscription per connected user.
    /// </summary>
    private sealed class SharedFeeds
    {
        private readonly LiveFeeds owner;
        private readonly ConcurrentDictionary<StreamId, Func<Task>> subscriptions;
        private readonly ConcurrentDictionary<StreamId, Func<Task>> renewals = new();
        private readonly SemaphoreSlim renewing = new(1, 1);

        /// <param name="failed">An earlier attempt whose subscriptions are kept (those that were made).</param>
        public SharedFeeds(LiveFeeds owner, SharedFeeds? failed)
        {
            this.owner = owner;
            subscriptions = failed?.subscriptions ?? new();
            Started = StartAsync();
        }

        public Task Started { get; }

        /// <summary>Ends the subscriptions that were made; a failure leaves one for Orleans to drop once it finds this client gone.</summary>
        public Task StopAsync() => Task.WhenAll(subscriptions.Select(async subscription =>
        {
            try
            {
                await subscription.Value();
                subscriptions.TryRemove(subscription.Key, out _);
            }
            catch (Exception ex)
            {
                LogUnsubscribeFailed(owner.logger, ex, subscription.Key.ToString());
            }
        }));

        /// <summary>
        /// Subscribes again to each shared stream that no longer has this node's subscription: Orleans removes it when it
        /// takes the node's client for gone (cut off from every silo for over a minute), and nothing else would bring it back.
        /// </summary>
        public async Task RenewAsync()
        {
            if (!Started.IsCompletedSuccessfully)
            {
                return;
            }

            // One renewal at a time: two that both found a subscription gone would take two, and push everything twice.
            await renewing.WaitAsync();
            try
            {
                await Task.WhenAll(renewals.Select(async renewal =>
                {
                    try
                    {
                        await renewal.Value();
                    }
                    catch (Exception ex)
                    {
                        LogRenewFailed(owner.logger, ex, renewal.Key.ToString());
                    }
                }));
            }
            finally
            {
                renewing.Release();
            }
        }

        private async Task StartAsync()
        {
            var categories = await owner.grains.GetGrain<ICatalogGrain>(0).List();
            await Task.WhenAll([
                .. PartnerStreams.AllUsers.Select(stream => SubscribeAsync<UserPush>(stream, OnUserPush)),
                .. categories.Select(category => SubscribeAsync<TicketsChanged>(PartnerStreams.Queue(category.Name), batch => OnTicketsAsync(category.Name, batch))),
            ]);
        }

        private async Task SubscribeAsync<T>(StreamId stream, Func<T, Task> onNext)
        {
            renewals[stream] = async () =>
            {
                if ((await owner.Stream<T>(stream).GetAllSubscriptionHandles()).Count == 0)
                {
                    LogResubscribing(owner.logger, stream.ToString());
                    await SubscribeNowAsync(stream, onNext);
                }
            };
            if (!subscriptions.ContainsKey(stream))
            {
                await SubscribeNowAsync(stream, onNext);
            }
        }

        private async Task SubscribeNowAsync<T>(StreamId stream, Func<T, Task> onNext)
        {
            var handle = await owner.Stream<T>(stream).SubscribeAsync((item, _) => onNext(item));
            subscriptions[stream] = handle.UnsubscribeAsync;
        }

        private Task OnUserPush(UserPush push)
        {
            UserFeed? feed;
            lock (owner.gate)
            {
                owner.users.TryGetValue(push.UserId, out feed);
            }

            feed?.Receive(push);
            return Task.CompletedTask;
        }

        private Task OnTicketsAsync(string category, TicketsChanged batch)
        {
            List<TicketChange> mine;
            List<Guid> waiting;
            lock (owner.gate)
            {
                mine = [.. batch.Tickets.Where(change => owner.users.ContainsKey(change.UserId))];
                waiting = [.. batch.Figures.Select(figures => figures.UserId).Where(owner.users.ContainsKey)];
            }

            return Task.WhenAll([
                .. mine.Select(change => owner.UserClients(change.UserId)?.ticketUpdated(TicketDto.From(change.Ticket)) ?? Task.CompletedTask),
                .. waiting.Select(userId => PushWaitingTicketAsync(category, userId)),
            ]);
        }

        /// <summary>A waiting ticket whose figures changed, read whole from its queue (figures as of now) for its owner's connections here.</summary>
        private async Task PushWaitingTicketAsync(string category, Guid userId)
        {
            if ((await owner.grains.GetGrain<IRandomMatchQueueGrain>(category).Get(userId)).Ticket is { Status: TicketStatus.Waiting } ticket
                && owner.UserClients(userId) is { } clients)
            {
                await clients.ticketUpdated(TicketDto.From(ticket));
            }
        }
    }

    /// <summary>One room watched on this node: each subscribed connection gets the room as its user sees it.</summary>
    private sealed class RoomFeed(LiveFeeds owner, Guid roomId)
    {

        /// <summary>Subscribed connection id → its user and the newest version it holds.</summary>
        public ConcurrentDictionary<string, Watcher> Connections { get; } = new();

        /// <summary>True when that was the last connection.</summary>
        public bool Leave(string connectionId) => Connections.TryRemove(connectionId, out _) && Connections.IsEmpty;

        /// <summary>Sends the room as it is now to the connections holding an older version: the push a silo failure may have lost.</summary>
        public async Task HealAsync()
        {
            if (await owner.grains.GetGrain<IRoomGrain>(roomId).Changed() is { } change)
            {
                await OnChangeAsync(change);
            }
        }

        public Task OnChangeAsync(RoomChanged change)
        {
            var version = change.Room.Listing.Version;
            var forUser = new Dictionary<Guid, RoomDto>();
            var sends = new List<Task>();
            foreach (var (connectionId, watcher) in Connections)
            {
                if (!watcher.Saw(version))
                {
                    continue;
                }

                if (!forUser.TryGetValue(watcher.UserId, out var room))
                {
                    room = forUser[watcher.UserId] = Render(change, watcher.UserId);
                }

                sends.Add(owner.hub.Clients.Client(connectionId).roomUpdated(room));
            }

            return Task.WhenAll(sends);
        }

        private static RoomDto Render(RoomChanged change, Guid viewer)
        {
            var view = change.For(viewer);
            return RoomDto.From(view) with { Deleted = view.Listing.Lifecycle == RoomLifecycle.Deleted ? true : null };
        }
    }

    /// <summary>A connection subscribed to a room, and the newest version of it that the connection holds.</summary>
    private sealed class Watcher(Guid userId)
    {
        private long version;

        public Guid UserId => userId;

        /// <summary>Records <paramref name="newer"/>; false when the connection already holds that version or a newer one.</summary>
        public bool Saw(long newer)
        {
            long held;
            do
            {
                held = Interlocked.Read(ref version);
                if (newer <= held)
                {
                    return false;
                }
            }
            while (Interlocked.CompareExchange(ref version, newer, held) != held);

            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A user's live feed could not catch up from the inbox; the next alarm or the client's Resume will")]
    private static partial void LogHealFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node's subscription to {Stream} was gone (Orleans took the node for dead); subscribing again")]
    private static partial void LogResubscribing(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check or renew this node's subscription to {Stream}; the next heal will try again")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unsubscribe from {Stream}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, string stream);
}
