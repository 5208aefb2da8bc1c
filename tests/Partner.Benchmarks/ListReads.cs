using System.Globalization;
using System.Net;

namespace Partner.Benchmarks;

/// <summary>A room list query as a client sends it.</summary>
public sealed record ListQuery(string Name, string Path);

/// <summary>Room list reads over HTTP (anonymous, served from the directory grains' memory).</summary>
public sealed class ListReads(PartnerClient client)
{
    public static IReadOnlyList<ListQuery> Queries(DateOnly today) =>
    [
        new("list category=MEAL size=20", "/api/rooms?category=MEAL&size=20"),
        new("list category=MEAL date=today size=20", $"/api/rooms?category=MEAL&date={today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&size=20"),
    ];

    /// <summary>The number of items one answer holds, to show the query returns a full page.</summary>
    public async Task<int> ItemsAsync(ListQuery query, CancellationToken cancellationToken)
    {
        using var page = await client.GetJsonAsync(query.Path, cancellationToken);
        return page.RootElement.GetProperty("items").GetArrayLength();
    }

    public Task<LoadResult> RunAsync(ListQuery query, int workers, TimeSpan duration, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(workers, duration, async (_, ct) =>
        {
            var status = await client.GetAsync(query.Path, ct);
            return status == HttpStatusCode.OK ? Outcome.Ok("200") : Outcome.Other(((int)status).ToString(CultureInfo.InvariantCulture));
        }, cancellationToken);
}
