using System.Globalization;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>Anonymous GETs over HttpClient when wrk is missing: worker w reads through node w mod n, the paths in turn.</summary>
public static class NodeReads
{
    public static Task<LoadResult> RunAsync(IReadOnlyList<PartnerClient> nodes, IReadOnlyList<string> paths, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var next = -1L;
        return ClosedLoop.RunAsync(workers, duration, async (worker, ct) =>
        {
            var path = paths[(int)((ulong)Interlocked.Increment(ref next) % (ulong)paths.Count)];
            var status = await nodes[worker % nodes.Count].GetAsync(path, ct);
            return status == HttpStatusCode.OK ? Outcome.Ok("200") : Outcome.Other(((int)status).ToString(CultureInfo.InvariantCulture));
        }, cancellationToken);
    }
}
