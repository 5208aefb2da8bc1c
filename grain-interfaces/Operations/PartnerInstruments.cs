namespace Partner.Operations;

/// <summary>
/// The names of Partner's own metrics, in one place: the meter, its instruments and their tags. Prometheus
/// shows a counter <c>partner.rooms.created</c> as <c>partner_rooms_created_total</c>; these names are a
/// contract with dashboards and alerts, so never rename one.
/// </summary>
public static class PartnerInstruments
{
    public const string MeterName = "Partner";

    public const string RoomsCreated = "partner.rooms.created";
    public const string RoomsCompleted = "partner.rooms.completed";
    public const string JoinsAccepted = "partner.room_joins.accepted";
    public const string JoinsRefused = "partner.room_joins.refused";
    public const string TicketsEnqueued = "partner.tickets.enqueued";
    public const string TicketsMatched = "partner.tickets.matched";
    public const string TicketsExpired = "partner.tickets.expired";
    public const string TicketsCancelled = "partner.tickets.cancelled";
    public const string TicketsWaiting = "partner.tickets.waiting";
    public const string TimeToMatch = "partner.tickets.time_to_match";
    public const string AlarmsRaised = "partner.alarms.raised";
    public const string AlarmsPushed = "partner.alarms.pushed";
    public const string AlarmPushLatency = "partner.alarms.push_latency";
    public const string HubConnections = "partner.hub.connections";
    public const string RoomReads = "partner.room_reads";
    public const string RoomsHeld = "partner.room_read_model.rooms";
    public const string SiloLossHeals = "partner.live.heals";

    /// <summary>Tag: the catalog category of a room or ticket.</summary>
    public const string Category = "category";

    /// <summary>Tag: the error code that refused a join (<c>room.full</c>, <c>room.completed</c>, <c>not-found</c>).</summary>
    public const string Reason = "reason";

    /// <summary>Tag: the alarm type (<c>ROOM_JOINED</c>, …).</summary>
    public const string AlarmType = "type";

    /// <summary>Tag: what a room read asked for (<c>list</c>, <c>detail</c>).</summary>
    public const string ReadKind = "kind";

    /// <summary>Tag: where a room read was answered (<c>node</c>: the API node's read model; <c>grains</c>).</summary>
    public const string AnsweredBy = "answered_by";
}
