namespace Partner.RandomMatch;

/// <summary>
/// The reminder that wakes a queue every 10 s (as the other resume reminders) — re-activating it after a silo crash, so due expiries and pending
/// effects go on by themselves — while tickets wait or effects are pending. It is registered once and dropped when
/// the queue is idle, so a busy queue does not write the reminder table on every change.
/// </summary>
public sealed class QueueWakeReminder(Grain owner)
{
    public const string Name = "random-match-wake";

    private static readonly TimeSpan Period = ResumeReminders.Period;

    private bool on;

    /// <summary>Learns whether the reminder is registered (at activation).</summary>
    public async Task LoadAsync() => on = await owner.GetReminder(Name) is not null;

    /// <summary>The queue has work: the reminder is registered unless it is already.</summary>
    public async Task KeepAsync()
    {
        if (!on)
        {
            await owner.RegisterOrUpdateReminder(Name, Period, Period);
            on = true;
        }
    }

    /// <summary>The queue is idle: the reminder goes.</summary>
    public async Task StopAsync()
    {
        if (await owner.GetReminder(Name) is { } reminder)
        {
            await owner.UnregisterReminder(reminder);
            on = false;
        }
    }
}
