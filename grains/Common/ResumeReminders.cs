namespace Partner;

/// <summary>
/// A reminder armed before the first write of a multi-step operation and disarmed after its last step: if a
/// step fails or the silo dies in between, the reminder wakes the grain (on any silo) to finish it. It first
/// fires after <see cref="FirstTry"/>, then every <see cref="Period"/>: a silo that dies holding the reminder
/// misses the first try, and its survivor fires at the next period — so the silo lowers Orleans' minimum
/// reminder period (one minute) to this one. The reminders live only while an operation is unfinished.
/// </summary>
public static class ResumeReminders
{
    public static readonly TimeSpan FirstTry = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    public static Task ArmAsync(this Grain grain, string name) => grain.RegisterOrUpdateReminder(name, FirstTry, Period);

    /// <summary>Ends the reminder once the operation finished; a failure here only leaves one more (harmless) wake-up.</summary>
    public static async Task DisarmAsync(this Grain grain, string name)
    {
        try
        {
            if (await grain.GetReminder(name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            // The next wake-up finds the operation done and tries again.
        }
    }
}
