using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Partner.Alarms;
using Partner.RandomMatch;

namespace Partner.Operations;

/// <summary>Partner's instruments that grains feed; one per silo process, names from <see cref="PartnerInstruments"/>.</summary>
public sealed class GrainMetrics
{
    private readonly Counter<long> roomsCreated;
    private readonly Counter<long> roomsCompleted;
    private readonly Counter<long> joinsAccepted;
    private readonly Counter<long> joinsRefused;
    private readonly Counter<long> ticketsEnqueued;
    private readonly Counter<long> ticketsMatched;
    private readonly Counter<long> ticketsExpired;
    private readonly Counter<long> ticketsCancelled;
    private readonly Counter<long> alarmsRaised;
    private readonly Histogram<double> timeToMatch;
    private readonly ConcurrentDictionary<string, int> waiting = new();

    public GrainMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PartnerInstruments.MeterName);
        roomsCreated = meter.CreateCounter<long>(PartnerInstruments.RoomsCreated, description: "Rooms created, by category.");
        roomsCompleted = meter.CreateCounter<long>(PartnerInstruments.RoomsCompleted, description: "Rooms completed into a match, by category.");
        joinsAccepted = meter.CreateCounter<long>(PartnerInstruments.JoinsAccepted, description: "Joins that added a participant to a room, by category.");
        joinsRefused = meter.CreateCounter<long>(PartnerInstruments.JoinsRefused, description: "Joins refused, by reason (the error code).");
        ticketsEnqueued = meter.CreateCounter<long>(PartnerInstruments.TicketsEnqueued, description: "Random-match tickets that started waiting, by category.");
        ticketsMatched = meter.CreateCounter<long>(PartnerInstruments.TicketsMatched, description: "Random-match tickets that ended in a group, by category.");
        ticketsExpired = meter.CreateCounter<long>(PartnerInstruments.TicketsExpired, description: "Random-match tickets that expired unmatched, by category.");
        ticketsCancelled = meter.CreateCounter<long>(PartnerInstruments.TicketsCancelled, description: "Random-match tickets cancelled by their owner, by category.");
        alarmsRaised = meter.CreateCounter<long>(PartnerInstruments.AlarmsRaised, description: "Alarms stored in an inbox, by type.");
        timeToMatch = meter.CreateHistogram<double>(
            PartnerInstruments.TimeToMatch,
            unit: "s",
            description: "How long each matched ticket waited, from its enqueue to its group, by category.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800] });
        meter.CreateObservableGauge(
            PartnerInstruments.TicketsWaiting,
            () => waiting.Select(w => new Measurement<int>(w.Value, Tag(PartnerInstruments.Category, w.Key))),
            description: "Random-match tickets waiting now, by category (reported by the silo holding the category's queue).");
    }

    public void RoomCreated(string category) => roomsCreated.Add(1, Tag(PartnerInstruments.Category, category));

    public void RoomCompleted(string category) => roomsCompleted.Add(1, Tag(PartnerInstruments.Category, category));

    public void JoinAccepted(string category) => joinsAccepted.Add(1, Tag(PartnerInstruments.Category, category));

    public void JoinRefused(string code) => joinsRefused.Add(1, Tag(PartnerInstruments.Reason, code));

    public void AlarmRaised(AlarmType type) => alarmsRaised.Add(1, Tag(PartnerInstruments.AlarmType, type.ToString()));

    /// <summary>The waiting tickets of a category's queue on this silo; null when the queue leaves the silo.</summary>
    public void Waiting(string category, int? count)
    {
        if (count is { } value)
        {
            waiting[category] = value;
        }
        else
        {
            waiting.TryRemove(category, out _);
        }
    }

    /// <summary>
    /// Counts what a durable journal write of a category's queue recorded; <paramref name="enqueuedAt"/> gives a matched
    /// member's enqueue time, for the time it waited.
    /// </summary>
    public void TicketEvents(string category, IEnumerable<QueueEvent> events, Func<GroupMember, DateTimeOffset?>? enqueuedAt = null)
    {
        var tag = Tag(PartnerInstruments.Category, category);
        foreach (var recorded in events)
        {
            switch (recorded)
            {
                case TicketEnqueued:
                    ticketsEnqueued.Add(1, tag);
                    break;
                case GroupMatched matched:
                    ticketsMatched.Add(matched.Members.Length, tag);
                    foreach (var member in matched.Members)
                    {
                        if (enqueuedAt?.Invoke(member) is { } since)
                        {
                            timeToMatch.Record(Math.Max((matched.At - since).TotalSeconds, 0), tag);
                        }
                    }

                    break;
                case TicketsExpired expired:
                    ticketsExpired.Add(expired.Tickets.Length, tag);
                    break;
                case TicketCancelled:
                    ticketsCancelled.Add(1, tag);
                    break;
            }
        }
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
}
