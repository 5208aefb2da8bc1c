namespace Partner;

/// <summary>The delay before retrying work that failed: 200 ms, doubling up to 30 s, back to the start after a success.</summary>
public sealed class RetryBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);
    private TimeSpan current;

    public TimeSpan Next() => current = current == TimeSpan.Zero ? First : TimeSpan.FromTicks(Math.Min(current.Ticks * 2, Longest.Ticks));

    public void Reset() => current = TimeSpan.Zero;
}
