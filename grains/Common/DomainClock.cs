namespace Partner;

/// <summary>
/// The key of the clock that ticket deadlines are measured on. By default it is the process's
/// <see cref="TimeProvider"/>; tests replace it alone, so they can move deadlines without moving
/// the Orleans runtime's own timers (activation collection, membership, grain timers).
/// </summary>
public static class DomainClock
{
    public const string Key = "partner-domain-clock";
}
