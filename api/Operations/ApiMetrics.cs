using System.Diagnostics.Metrics;
using Partner.Operations;

namespace Partner.Api.Operations;

/// <summary>Partner's instruments that an API node feeds (its SignalR hub); names from <see cref="PartnerInstruments"/>.</summary>
public sealed class ApiMetrics
{
    private readonly Counter<long> alarmsPushed;
    private readonly UpDownCounter<long> hubConnections;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PartnerInstruments.MeterName);
        alarmsPushed = meter.CreateCounter<long>(PartnerInstruments.AlarmsPushed, description: "Alarms this API node pushed to a user's connections over SignalR.");
        hubConnections = meter.CreateUpDownCounter<long>(PartnerInstruments.HubConnections, description: "SignalR connections open on this API node.");
    }

    public void AlarmPushed() => alarmsPushed.Add(1);

    public void HubConnected() => hubConnections.Add(1);

    public void HubDisconnected() => hubConnections.Add(-1);
}
