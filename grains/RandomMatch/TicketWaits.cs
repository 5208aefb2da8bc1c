namespace Partner.RandomMatch;

/// <summary>
/// Wait transparency of one queue: the arrival history, the figures a waiting ticket's view carries
/// (<see cref="TicketView.CompatibleWaiting"/>, <see cref="TicketView.EstimatedWaitSeconds"/>), and which owners
/// must be told because their figures changed since they last saw them.
/// </summary>
public sealed class TicketWaits(RandomMatcher matcher, TimeSpan window)
{
    private readonly WaitInsight insight = new(matcher.CellCount, matcher.GroupSize, window);
    private Dictionary<long, (int Compatible, int? Seconds)> told = [];

    /// <summary>Records an arrival (a new ticket, or one replayed from the journal).</summary>
    public void Arrived(WaitingTicket ticket) => insight.Arrived(ticket.Cells, ticket.EnqueuedAt);

    /// <summary>The waiting ticket's view with its figures as of <paramref name="now"/>; its owner now knows them.</summary>
    public TicketView Describe(TicketView view, WaitingTicket ticket, DateTimeOffset now)
    {
        var figures = Figures(ticket, now);
        told[ticket.Seq] = figures;
        return view with { CompatibleWaiting = figures.Compatible, EstimatedWaitSeconds = figures.Seconds };
    }

    /// <summary>The waiting tickets whose figures differ from what their owners last saw, described anew; forgets ended tickets.</summary>
    public List<(WaitingTicket Ticket, int Compatible, int? Seconds)> Changed(IEnumerable<WaitingTicket> waiting, DateTimeOffset now)
    {
        var changed = new List<(WaitingTicket, int, int?)>();
        var nowTold = new Dictionary<long, (int, int?)>(told.Count);
        foreach (var ticket in waiting)
        {
            if (ticket.ExpiresAt <= now)
            {
                continue;
            }

            var figures = Figures(ticket, now);
            nowTold[ticket.Seq] = figures;
            if (!told.TryGetValue(ticket.Seq, out var before) || before != figures)
            {
                changed.Add((ticket, figures.Compatible, figures.Seconds));
            }
        }

        told = nowTold;
        return changed;
    }

    private (int Compatible, int? Seconds) Figures(WaitingTicket ticket, DateTimeOffset now)
    {
        var seconds = insight.EstimateSeconds(ticket.Cells, cell => matcher.OthersWaitingIn(cell, ticket), now, ticket.ExpiresAt);
        return (matcher.CompatibleWaiting(ticket), seconds is { } s ? WaitInsight.Rounded(s) : null);
    }
}
