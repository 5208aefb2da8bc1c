using System.Diagnostics.Metrics;
using Partner.Operations;

namespace Partner.Api.Operations;

/// <summary>Partner's instruments that an API node feeds (its SignalR hub); names from <see cref="PartnerInstruments"/>.</summary>
public sealed class ApiMetrics
{
    private readonly Counter<long> alarmsPushed;
    private readonly Histogram<double> pushLatency;
    private readonly UpDownCounter<long> hubConnections;
    private readonly Counter<long> roomReads;
    private readonly Counter<long> heals;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PartnerInstruments.MeterName);
        alarmsPushed = meter.CreateCounter<long>(PartnerInstruments.AlarmsPushed, description: "Alarms this API node pushed to a user's connections over SignalR.");
        pushLatency = meter.CreateHistogram<double>(
            PartnerInstruments.AlarmPushLatency,
            unit: "ms",
            description: "From an alarm's creation on a silo (its write) to its SignalR send on this API node; healed pushes count as late as they were.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] });
        hubConnections = meter.CreateUpDownCounter<long>(PartnerInstruments.HubConnections, description: "SignalR connections open on this API node.");
        roomReads = meter.CreateCounter<long>(PartnerInstruments.RoomReads, description: "Room lists and details read on this API node, by where they were answered.");
        heals = meter.CreateCounter<long>(PartnerInstruments.SiloLossHeals, description: "Times this API node lost a gateway (a silo went away) and began healing its live feeds and room reads from the grains.");
        Meter = meter;
    }

    /// <summary>Partner's meter, for instruments whose owners observe them (the room read model's size).</summary>
    public Meter Meter { get; }

    public void AlarmPushed(DateTimeOffset createdAt)
    {
        alarmsPushed.Add(1);
        pushLatency.Record(Math.Max((DateTimeOffset.UtcNow - createdAt).TotalMilliseconds, 0));
    }

    public void HubConnected() => hubConnections.Add(1);

    public void HubDisconnected() => hubConnections.Add(-1);

    public void Healing() => heals.Add(1);

    public void RoomRead(string kind, bool onNode) =>
        roomReads.Add(1, new(PartnerInstruments.ReadKind, kind), new(PartnerInstruments.AnsweredBy, onNode ? "node" : "grains"));
}
