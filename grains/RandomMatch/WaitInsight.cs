namespace Partner.RandomMatch;

/// <summary>
/// What a queue can tell a waiting ticket about its wait: when its group is expected to form, from the recent
/// arrivals into each of its cells. Arrivals are kept per cell as exponentially decaying counts (time constant
/// <see cref="Window"/>), so recording an arrival costs O(its cells) and an estimate O(the asking ticket's cells),
/// whatever the length of the queue or of its history.
/// </summary>
/// <remarks>
/// The rule: for each number m of members a cell of the ticket still misses, the arrivals touching those cells
/// come at a rate r (see <see cref="Arrivals"/>); the group is expected after m / r, and the earliest level wins,
/// capped by the ticket's expiry. The rate comes from the recent past (<see cref="RecentWindow"/>) when it holds at
/// least <see cref="MinArrivals"/> compatible arrivals — a burst is judged by its own pace — else from the whole
/// window; fewer than that there too: no estimate. Both rate bounds used are lower bounds of the true rate.
/// </remarks>
public sealed class WaitInsight(int cellCount, int groupSize, TimeSpan window)
{
    /// <summary>Fewer compatible arrivals than this within a window is too little history to say.</summary>
    public const double MinArrivals = 3;

    /// <summary>The shortest span a rate is taken over, so that a first handful of arrivals does not read as a flood.</summary>
    public static readonly TimeSpan MinSpan = TimeSpan.FromMinutes(1);

    private readonly CellArrivals?[] cells = new CellArrivals?[cellCount];
    private DateTimeOffset? firstArrival;

    /// <summary>How far back arrivals weigh: the time constant of their decay.</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>The recent past (a thirtieth of the window) that speaks first when it holds enough arrivals: a burst is its own rate.</summary>
    public TimeSpan RecentWindow => Window / 30;

    /// <summary>Records a ticket's arrival in every cell it covers.</summary>
    public void Arrived(int[] ticketCells, DateTimeOffset at)
    {
        if (firstArrival is null || at < firstArrival)
        {
            firstArrival = at;
        }

        var share = 1.0 / ticketCells.Length;
        foreach (var cell in ticketCells)
        {
            (cells[cell] ??= new()).Add(share, at, RecentWindow, Window);
        }
    }

    /// <summary>
    /// Seconds until the group of a ticket covering <paramref name="ticketCells"/> is expected to form, or null when
    /// there is too little history. <paramref name="othersWaiting"/> says how many other waiting tickets a cell holds.
    /// </summary>
    public int? EstimateSeconds(int[] ticketCells, Func<int, int> othersWaiting, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        if (firstArrival is not { } first)
        {
            return null;
        }

        var observed = Math.Max((now - first).TotalSeconds, 0);
        var best = Estimate(ticketCells, othersWaiting, now, recent: true, observed) ?? Estimate(ticketCells, othersWaiting, now, recent: false, observed);
        if (best is not { } seconds)
        {
            return null;
        }

        var remaining = Math.Max((expiresAt - now).TotalSeconds, 0);
        return (int)Math.Ceiling(Math.Min(seconds, remaining));
    }

    /// <summary>
    /// The arrivals that touched any of a set of cells, from per-cell counts: at least the most any one cell saw
    /// (every arrival in it touched the set), and at least the sum of each arrival's share of its cells that lie in
    /// the set (an arrival inside the set counts once); the larger lower bound is taken.
    /// </summary>
    public static double Arrivals(double mostInOneCell, double sumOfShares) => Math.Max(mostInOneCell, sumOfShares);

    /// <summary>An estimate as clients see it: 5-second steps up to a minute, then 30-second steps, then minutes.</summary>
    public static int Rounded(int seconds) => seconds switch
    {
        <= 60 => (seconds + 4) / 5 * 5,
        <= 600 => (seconds + 15) / 30 * 30,
        _ => (seconds + 30) / 60 * 60,
    };

    private double? Estimate(int[] ticketCells, Func<int, int> othersWaiting, DateTimeOffset now, bool recent, double observed)
    {
        var tau = (recent ? RecentWindow : Window).TotalSeconds;
        var span = Math.Max(tau * (1 - Math.Exp(-observed / tau)), Math.Min(MinSpan.TotalSeconds, tau));
        Span<double> mostInOneCell = stackalloc double[groupSize];
        Span<double> shares = stackalloc double[groupSize];
        foreach (var cell in ticketCells)
        {
            var missing = Math.Clamp(groupSize - 1 - othersWaiting(cell), 1, groupSize - 1);
            var (count, share) = cells[cell]?.At(now, recent, RecentWindow, Window) ?? (0, 0);
            mostInOneCell[missing] = Math.Max(mostInOneCell[missing], count);
            shares[missing] += share;
            mostInOneCell[0] = Math.Max(mostInOneCell[0], count);
            shares[0] += share;
        }

        if (Arrivals(mostInOneCell[0], shares[0]) < MinArrivals)
        {
            return null;
        }

        var best = double.PositiveInfinity;
        for (var missing = 1; missing < groupSize; missing++)
        {
            var arrivals = Arrivals(mostInOneCell[missing], shares[missing]);
            if (arrivals > 0)
            {
                best = Math.Min(best, missing * span / arrivals);
            }
        }

        return best;
    }

    /// <summary>One cell's arrivals as decaying counts over the recent past and over the whole window (each with its arrivals' shares).</summary>
    private sealed class CellArrivals
    {
        private (double Count, double Share) recentCounts;
        private (double Count, double Share) windowCounts;
        private DateTimeOffset at;

        public void Add(double arrivalShare, DateTimeOffset when, TimeSpan recentWindow, TimeSpan window)
        {
            recentCounts = At(when, recent: true, recentWindow, window);
            windowCounts = At(when, recent: false, recentWindow, window);
            at = when > at ? when : at;
            recentCounts = (recentCounts.Count + 1, recentCounts.Share + arrivalShare);
            windowCounts = (windowCounts.Count + 1, windowCounts.Share + arrivalShare);
        }

        public (double Count, double Share) At(DateTimeOffset when, bool recent, TimeSpan recentWindow, TimeSpan window)
        {
            var (count, share) = recent ? recentCounts : windowCounts;
            var decay = when > at ? Math.Exp(-(when - at).TotalSeconds / (recent ? recentWindow : window).TotalSeconds) : 1;
            return (count * decay, share * decay);
        }
    }
}
