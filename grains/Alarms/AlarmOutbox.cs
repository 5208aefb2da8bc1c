using Microsoft.Extensions.Logging;

namespace Partner.Alarms;

/// <summary>An alarm a grain owes a user, kept in the grain's own state until delivered.</summary>
[GenerateSerializer, Immutable, Alias("partner.pending-alarm")]
public sealed record PendingAlarm(
    [property: Id(0)] Guid Recipient,
    [property: Id(1)] AlarmDraft Alarm);

/// <summary>
/// Delivers a grain's pending alarms after its change is durable: they are written with that
/// change (so an acknowledged change never loses its alarm), then raised from a grain timer
/// (so the request never waits for, or fails on, delivery) and retried with backoff. Raising is
/// idempotent by alarm id, so a redelivery after a crash is harmless.
/// </summary>
public sealed partial class AlarmOutbox(Grain owner, IGrainFactory grains, Func<List<PendingAlarm>> pending, ILogger logger)
{
    private IGrainTimer? timer;
    private readonly RetryBackoff backoff = new();

    /// <summary>True when delivered alarms were removed in memory but storage still lists them.</summary>
    public bool HasUnsavedDeliveries { get; private set; }

    public void Add(Guid recipient, AlarmDraft alarm) => pending().Add(new PendingAlarm(recipient, alarm));

    /// <summary>Call after the state holding new alarms was written.</summary>
    public void Saved()
    {
        HasUnsavedDeliveries = false;
        if (timer is null && pending().Count > 0)
        {
            timer = owner.RegisterGrainTimer(DeliverAsync, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        timer?.Dispose();
        timer = null;
        var list = pending();
        foreach (var item in list.ToArray())
        {
            try
            {
                await grains.GetGrain<IAlarmInboxGrain>(item.Recipient).Raise(item.Alarm);
                list.Remove(item);
                HasUnsavedDeliveries = true;
            }
            catch (Exception ex)
            {
                var delay = backoff.Next();
                LogDeliveryFailed(logger, ex, item.Alarm.AlarmId, item.Recipient, delay);
                timer = owner.RegisterGrainTimer(DeliverAsync, delay, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        backoff.Reset();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm {AlarmId} for {Recipient} not delivered; retrying in {Backoff}")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, Guid alarmId, Guid recipient, TimeSpan backoff);
}
