namespace Partner.RandomMatch;

/// <summary>
/// Wait transparency of one queue: the arrival history, the figures a waiting ticket's view carries
/// (<see cref="TicketView.CompatibleWaiting"/>, <see cref="TicketView.EstimatedWaitSeconds"/>), and which owners
/// must be told because their figures changed since they last saw them — at most once per <paramref name="spacing"/>
/// per ticket, measured on <paramref name="monotonic"/> (a timer's ticks can come closer together than its period).
/// </summary>
public sealed class TicketWaits(RandomMatcher matcher, TimeSpan window, TimeSpan spacing, TimeProvider monotonic)
{
    private readonly WaitInsight insight = new(matcher.CellCount, matcher.GroupSize, window);
    private Dictionary<long, Told> told = [];
    private Dictionary<long, Told> spare = [];

    /// <summary>Records an arrival (a new ticket, or one replayed from the journal).</summary>
    public void Arrived(WaitingTicket ticket) => insight.Arrived(ticket.Cells, ticket.EnqueuedAt);

    /// <summary>The waiting ticket's view with its figures as of <paramref name="now"/>; its owner now knows them.</summary>
    public TicketView Describe(TicketView view, WaitingTicket ticket, DateTimeOffset now)
    {
        var figures = Figures(ticket, now);
        told[ticket.Seq] = new Told(figures, monotonic.GetTimestamp());
        return view with { CompatibleWaiting = figures.Compatible, EstimatedWaitSeconds = figures.Seconds };
    }

    /// <summary>
    /// The waiting tickets whose figures differ from what their owners last saw, and were not told within the spacing,
    /// described anew (their owners now know them); forgets ended tickets.
    /// </summary>
    public List<(WaitingTicket Ticket, int Compatible, int? Seconds)> Changed(IEnumerable<WaitingTicket> waiting, DateTimeOffset now)
    {
        var changed = new List<(WaitingTicket, int, int?)>();
        var nowTold = spare;
        nowTold.Clear();
        var tick = monotonic.GetTimestamp();
        foreach (var ticket in waiting)
        {
            if (ticket.ExpiresAt <= now)
            {
                continue;
            }

            var figures = Figures(ticket, now);
            if (told.TryGetValue(ticket.Seq, out var before) && (before.Figures == figures || monotonic.GetElapsedTime(before.At, tick) < spacing))
            {
                nowTold[ticket.Seq] = before;
                continue;
            }

            nowTold[ticket.Seq] = new Told(figures, tick);
            changed.Add((ticket, figures.Compatible, figures.Seconds));
        }

        (told, spare) = (nowTold, told);
        return changed;
    }

    private (int Compatible, int? Seconds) Figures(WaitingTicket ticket, DateTimeOffset now)
    {
        var seconds = insight.EstimateSeconds(ticket.Cells, cell => matcher.OthersWaitingIn(cell, ticket), now, ticket.ExpiresAt);
        return (matcher.CompatibleWaiting(ticket), seconds is { } s ? WaitInsight.Rounded(s) : null);
    }

    private readonly record struct Told((int Compatible, int? Seconds) Figures, long At);
}
