using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Partner.RandomMatch;
using Partner.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Partner.Tests.Production;

/// <summary>
/// The MEAL queue over real processes, each test on its own MariaDB: the queue is one grain per
/// category, so tickets of another test would share it.
/// </summary>
[Collection(ProductionCollection.Name)]
public sealed class RandomMatchDurability(ProductionServers servers, ITestOutputHelper output)
{
    private const string Category = "MEAL";
    private const string QueuePath = "/api/random-match/MEAL";
    private const string TicketPath = "/api/random-match/MEAL/ticket";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private static readonly (string Name, string[] Values)[] Dimensions =
    [
        ("place", ["SEOCHO", "GAEPO", "OUT_OF_CLUSTER"]),
        ("timeOfEating", ["BREAKFAST", "LUNCH", "DUNCH", "DINNER", "MIDNIGHT"]),
        ("wayOfEating", ["DELIVERY", "EATOUT", "TAKEOUT"]),
    ];

    private static readonly Dictionary<string, string?> OpenApi = new()
    {
        ["Auth__DevLogin"] = "true",
        ["Partner__RateLimits__Auth__PermitLimit"] = "1000000",
        ["Partner__RateLimits__Writes__PermitLimit"] = "1000000",
    };

    private static readonly Dictionary<string, string?> SmallJournal = new()
    {
        ["Partner__RandomMatch__SegmentEvents"] = "8",
        ["Partner__RandomMatch__MaxLiveSegments"] = "2",
        // Finished tickets would otherwise keep their segments for 30 minutes; this test is about carrying waiting ones.
        ["Partner__RandomMatch__FinishedTicketRetention"] = "00:00:00",
    };

    [Fact]
    public async Task NoAcknowledgedTicketIsLostWhenTheQueueSiloDies()
    {
        const int userCount = 300;
        const int killAfter = 80;
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        SiloProcess[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        ApiProcess[] apis = [await cluster.StartApiAsync(OpenApi), await cluster.StartApiAsync(OpenApi)];
        var users = await Task.WhenAll(Enumerable.Range(0, userCount).Select(i => SignInAsync(apis[i % 2], $"r{i}")));
        var random = new Random(20261125);
        var wanted = users.Select(_ => RandomConditions(random)).ToArray();
        var host = await QueueHostAsync(cluster, silos);

        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + Patience;
        var outcomes = new Outcome[userCount];
        var acknowledged = 0;
        var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var gate = new SemaphoreSlim(32);
        var storm = Task.WhenAll(users.Select(async (user, i) =>
        {
            await gate.WaitAsync();
            try
            {
                outcomes[i] = await EnqueueUntilAcknowledgedAsync(apis, i, user, wanted[i], deadline);
                if (outcomes[i].Acknowledged && Interlocked.Increment(ref acknowledged) == killAfter)
                {
                    killNow.TrySetResult();
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        await Task.WhenAny(killNow.Task, storm);
        var beforeKill = Volatile.Read(ref acknowledged);
        host.Process.Kill();
        var killedAt = clock.Elapsed;
        await cluster.StartSiloAsync(host.SiloPort, host.GatewayPort);
        await storm;
        output.WriteLine($"kill -9 of the queue's silo {host.Process} at {killedAt.TotalSeconds:F1} s after {beforeKill} acknowledgments; "
            + $"storm done in {clock.Elapsed.TotalSeconds:F1} s; {outcomes.Count(o => o.Failures.Count > 0)} users retried "
            + $"({outcomes.Sum(o => o.Failures.Count)} failed attempts), {outcomes.Count(o => o.Status == HttpStatusCode.OK)} answered 200 on a retry");
        foreach (var retried in outcomes.Where(o => o.Failures.Count > 0).GroupBy(o => $"{(int)o.Status} {o.Ticket?.GetProperty("status").GetString()} after {o.Failures[0][..Math.Min(o.Failures[0].Length, 60)]}"))
        {
            output.WriteLine($"  {retried.Count()} x {retried.Key}");
        }

        Assert.True(beforeKill < userCount, "the silo should die while tickets still arrive");
        var refused = outcomes.Select((o, i) => (o, i)).Where(x => !x.o.Acknowledged).ToArray();
        Assert.True(refused.Length == 0, $"{refused.Length} users never got their ticket acknowledged within {Patience}, e.g. "
            + string.Join("; ", refused.Take(5).Select(x => $"{users[x.i].Nickname}: {x.o.Status} after [{string.Join(", ", x.o.Failures.TakeLast(3))}]")));
        Assert.True(outcomes.Any(o => o.Failures.Count > 0), "no enqueue was interrupted by the kill, so the test proved nothing; was the silo killed at all?");

        await apis[0].WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience, body => body.Contains("2 active silo(s)", StringComparison.Ordinal));
        await DeactivateEverythingAsync(cluster);
        var queues = await Task.WhenAll(users.Select((user, i) => GetAsync(apis[i % 2], QueuePath, user.Token)));

        var tickets = new JsonElement?[userCount];
        for (var i = 0; i < userCount; i++)
        {
            if (TicketOf(queues[i]) is not { } ticket)
            {
                continue;
            }

            tickets[i] = ticket;
            var ack = outcomes[i].Ticket!.Value;
            var who = $"{users[i].Nickname} (acknowledged {(int)outcomes[i].Status} {ack.GetRawText()} after {outcomes[i].Failures.Count} failed attempts)";
            var status = ticket.GetProperty("status").GetString();
            Assert.True(status is "WAITING" or "MATCHED", $"{who}: the ticket is {status}: {ticket.GetRawText()}");
            Assert.True(SameConditions(wanted[i], ConditionsOf(ticket)), $"{who}: sent {Describe(wanted[i])}, the ticket says {Describe(ConditionsOf(ticket))}");
            Assert.True(ack.GetProperty("enqueuedAt").GetString() == ticket.GetProperty("enqueuedAt").GetString()
                && ack.GetProperty("expiresAt").GetString() == ticket.GetProperty("expiresAt").GetString(), $"{who}: the deadlines changed to {ticket.GetRawText()}");
            if (ack.GetProperty("status").GetString() == "MATCHED")
            {
                Assert.True(status == "MATCHED" && MatchIdOf(ticket) == MatchIdOf(ack), $"{who}: matched on enqueue, now {ticket.GetRawText()}");
            }
        }

        var waiting = Enumerable.Range(0, userCount).Where(i => tickets[i]?.GetProperty("status").GetString() == "WAITING").ToArray();
        for (var a = 0; a < waiting.Length; a++)
        {
            for (var b = a + 1; b < waiting.Length; b++)
            {
                var (x, y) = (waiting[a], waiting[b]);
                Assert.False(Compatible(wanted[x], wanted[y]),
                    $"{users[x].Nickname} {Describe(wanted[x])} and {users[y].Nickname} {Describe(wanted[y])} both wait although they match each other");
            }
        }

        var counts = queues.Select(q => q.GetProperty("waitingCount").GetInt32()).Distinct().ToArray();
        Assert.True(counts.Length == 1 && counts[0] == waiting.Length, $"waitingCount says [{string.Join(", ", counts)}], {waiting.Length} users wait");

        var listed = await Task.WhenAll(users.Select(async (user, i) =>
        {
            Guid[]? expected = tickets[i] is { } ticket ? MatchIdOf(ticket) is { } id ? [id] : [] : null;
            var ids = await EventuallyAsync(
                async () => MatchIds(await GetAsync(apis[i % 2], "/api/matches?method=RANDOM&size=100", user.Token)),
                ids => expected is null ? ids.Length > 0 : ids.SequenceEqual(expected));
            var why = outcomes[i].Failures.Count == 0 ? "" : $" ({outcomes[i].Failures.Count} failed attempts before the acknowledgment; "
                + "a retry with the same Idempotency-Key must return the first attempt's ticket)";
            Assert.True(ids.Length <= 1, $"{user.Nickname} is in {ids.Length} RANDOM matches [{string.Join(", ", ids)}]{why}");
            Assert.True(expected is not null || ids.Length == 1,
                $"{user.Nickname} was acknowledged {outcomes[i].Ticket!.Value.GetRawText()}, yet the queue shows no ticket and they are in no RANDOM match: the ticket is lost");
            Assert.True(expected is null || ids.SequenceEqual(expected),
                $"{user.Nickname}'s RANDOM matches are [{string.Join(", ", ids)}], the ticket says {tickets[i]?.GetRawText()}{why}");
            if (MatchIdOf(outcomes[i].Ticket!.Value) is { } acknowledged)
            {
                Assert.True(ids.SequenceEqual([acknowledged]), $"{user.Nickname} was acknowledged MATCHED in {acknowledged}, but is in RANDOM matches [{string.Join(", ", ids)}]");
            }

            return ids;
        }));

        var byUser = users.Select((user, i) => (user.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var matches = Enumerable.Range(0, userCount).SelectMany(i => listed[i].Select(id => (id, i))).GroupBy(x => x.id, x => x.i).ToArray();
        output.WriteLine($"{matches.Length} matches, {waiting.Length} waiting");
        await Task.WhenAll(matches.Select(async listing =>
        {
            var match = await GetAsync(apis[0], $"/api/matches/{listing.Key}", users[listing.First()].Token);
            var members = match.GetProperty("members").EnumerateArray().Select(m => byUser[Guid.Parse(m.GetProperty("userId").GetString()!)]).Order().ToArray();
            var names = string.Join(" and ", members.Select(i => $"{users[i].Nickname} {Describe(wanted[i])}"));
            Assert.True(match.GetProperty("method").GetString() == "RANDOM" && match.GetProperty("category").GetString() == Category, $"match {listing.Key}: {match.GetRawText()}");
            Assert.True(members.SequenceEqual(listing.Order()), $"match {listing.Key} has members {names}, but is listed by {string.Join(", ", listing.Select(i => users[i].Nickname))}");
            Assert.True(members.Length == 2 && Compatible(wanted[members[0]], wanted[members[1]]), $"match {listing.Key} groups {names}");
        }));

        var forgotten = Enumerable.Range(0, userCount).Where(i => tickets[i] is null).ToArray();
        Assert.True(forgotten.Length == 0, $"{forgotten.Length} acknowledged users see no ticket in the reloaded queue although each is in a RANDOM match "
            + "(a finished ticket stays visible for 30 minutes, across reloads), e.g. "
            + string.Join("; ", forgotten.Take(5).Select(i => $"{users[i].Nickname} acknowledged {outcomes[i].Ticket!.Value.GetProperty("status").GetString()}, in match {listed[i][0]}")));
    }

    [Fact]
    public async Task CompactedJournalRestoresOrderAndDeadlinesAfterARestart()
    {
        await using var database = await MariaDbServer.StartAsync();
        await using var cluster = new ProductionCluster(database, servers.Redis);
        var silo = await cluster.StartSiloAsync(settings: SmallJournal);
        var api = await cluster.StartApiAsync(OpenApi);
        var random = new Random(7);
        var cells = (from place in Dimensions[0].Values from time in Dimensions[1].Values from way in Dimensions[2].Values select (place, time, way)).ToArray();
        var stayerCells = cells.Where(c => Array.IndexOf(Dimensions[1].Values, c.time) < 3).OrderBy(_ => random.Next()).ToArray();
        var churnCells = cells.Except(stayerCells).OrderBy(_ => random.Next()).ToArray();
        var stayers = await Task.WhenAll(stayerCells.Select((_, i) => SignInAsync(api, $"s{i}")));
        var churners = await Task.WhenAll(Enumerable.Range(0, churnCells.Length * 2).Select(i => SignInAsync(api, $"c{i}")));
        var probes = await Task.WhenAll(stayerCells.Select((_, i) => SignInAsync(api, $"p{i}")));

        var acks = new JsonElement[stayers.Length];
        var churnMatches = new List<(Guid Match, User Member)>();
        var ended = new List<User>();
        for (var k = 0; k < stayers.Length; k++)
        {
            acks[k] = await PutTicketAsync(api, stayers[k], Cell(stayerCells[k]), HttpStatusCode.Created, "WAITING");
            var c = k - (stayers.Length - churnCells.Length);
            if (c >= 0)
            {
                var (first, second) = (churners[2 * c], churners[(2 * c) + 1]);
                await PutTicketAsync(api, first, Cell(churnCells[c]), HttpStatusCode.Created, "WAITING");
                if (c % 3 == 0)
                {
                    var (status, body) = await SendAsync(api, HttpMethod.Delete, TicketPath, first.Token);
                    Assert.True(status == HttpStatusCode.NoContent, $"cancelling {first.Nickname}'s ticket: {(int)status} {body}");
                    ended.Add(first);
                }
                else
                {
                    var matched = await PutTicketAsync(api, second, Cell(churnCells[c]), HttpStatusCode.Created, "MATCHED");
                    churnMatches.Add((MatchIdOf(matched)!.Value, second));
                    ended.AddRange([first, second]);
                }
            }
        }

        await Task.WhenAll(churnMatches.Select(m => EventuallyGetAsync(api, $"/api/matches/{m.Match}", m.Member.Token, _ => true, $"match {m.Match} exists")));
        var segments = await StoredSegmentsAsync(database);
        output.WriteLine($"journal before the kill: live segments [{string.Join(", ", segments.Live)}] of {segments.Written} written");
        Assert.True(segments.Written >= 8, $"only {segments.Written} journal segments were written; SegmentEvents=8 did not reach the silo?");
        Assert.True(segments.Live.Length > 0 && segments.Live.Min() > 0,
            $"segment 0 holds the oldest waiting ticket and should have been compacted away after carrying it forward; live: [{string.Join(", ", segments.Live)}]");

        silo.Process.Kill();
        await cluster.StartSiloAsync(silo.SiloPort, silo.GatewayPort, SmallJournal);
        await api.WaitUntilAsync("/health/ready", HttpStatusCode.OK, Patience);

        for (var k = 0; k < stayers.Length; k++)
        {
            var queue = await GetAsync(api, QueuePath, stayers[k].Token);
            var ticket = TicketOf(queue) ?? throw new XunitException($"stayer #{k} {stayers[k].Nickname} lost the ticket {acks[k].GetRawText()}: {queue.GetRawText()}");
            Assert.True(ticket.GetProperty("status").GetString() == "WAITING"
                && SameConditions(ConditionsOf(acks[k]), ConditionsOf(ticket))
                && ticket.GetProperty("enqueuedAt").GetString() == acks[k].GetProperty("enqueuedAt").GetString()
                && ticket.GetProperty("expiresAt").GetString() == acks[k].GetProperty("expiresAt").GetString(),
                $"stayer #{k} {stayers[k].Nickname}: acknowledged {acks[k].GetRawText()}, after the restart {ticket.GetRawText()}");
            Assert.True(queue.GetProperty("waitingCount").GetInt32() == stayers.Length, $"waitingCount is {queue.GetProperty("waitingCount").GetInt32()}, {stayers.Length} tickets wait");
        }

        var forgotten = 0;
        foreach (var user in ended)
        {
            var queue = await GetAsync(api, QueuePath, user.Token);
            var ticket = TicketOf(queue);
            Assert.True(ticket?.GetProperty("status").GetString() != "WAITING", $"{user.Nickname}'s ticket ended before the restart and waits again: {queue.GetRawText()}");
            forgotten += ticket is null ? 1 : 0;
        }

        output.WriteLine($"{forgotten} of {ended.Count} ended tickets are no longer known to the queue (their journal segments were compacted)");

        var families = Enumerable.Range(0, stayers.Length).GroupBy(k => (stayerCells[k].place, stayerCells[k].way)).OrderBy(_ => random.Next()).ToArray();
        var probeMatches = new List<(Guid Match, User Probe, User Stayer)>();
        var next = 0;
        foreach (var family in families)
        {
            var oldestFirst = family.Order().ToArray();
            for (var j = 0; j < oldestFirst.Length; j++)
            {
                var probe = probes[next++];
                var conditions = new Dictionary<string, string[]> { ["place"] = [family.Key.place], ["wayOfEating"] = [family.Key.way] };
                var matchId = MatchIdOf(await PutTicketAsync(api, probe, conditions, HttpStatusCode.Created, "MATCHED"))!.Value;
                var match = await EventuallyGetAsync(api, $"/api/matches/{matchId}", probe.Token, _ => true, $"match {matchId} exists");
                var members = match.GetProperty("members").EnumerateArray().Select(m => Guid.Parse(m.GetProperty("userId").GetString()!)).ToHashSet();
                var partners = oldestFirst.Where(k => members.Contains(stayers[k].Id)).Select(k => $"#{k} {stayers[k].Nickname}").ToList();

                var expected = $"#{oldestFirst[j]} {stayers[oldestFirst[j]].Nickname}";
                Assert.True(partners.Count == 1 && partners[0] == expected,
                    $"a probe for {family.Key} (waiting, oldest first: {string.Join(", ", oldestFirst.Skip(j).Select(k => $"#{k}"))}) matched [{string.Join(", ", partners)}] instead of {expected}");
                probeMatches.Add((matchId, probe, stayers[oldestFirst[j]]));
            }
        }

        var drained = await GetAsync(api, QueuePath, probes[0].Token);
        Assert.True(drained.GetProperty("waitingCount").GetInt32() == 0, $"every waiting ticket was matched by a probe, yet {drained.GetRawText()}");
        await Task.WhenAll(probeMatches.Select(async m =>
        {
            var match = await EventuallyGetAsync(api, $"/api/matches/{m.Match}", m.Probe.Token, _ => true, $"match {m.Match} exists");
            Assert.Equal(new[] { m.Probe.Id, m.Stayer.Id }.Order(), match.GetProperty("members").EnumerateArray().Select(x => Guid.Parse(x.GetProperty("userId").GetString()!)).Order());
        }));

        var after = await StoredSegmentsAsync(database);
        output.WriteLine($"journal after the probes: live segments [{string.Join(", ", after.Live)}] of {after.Written} written");
        Assert.True(after.Live.Length <= 4, $"compaction stalled after the restart: live segments [{string.Join(", ", after.Live)}] with MaxLiveSegments=2; "
            + "a replayed match or alarm that keeps failing pins its segment (the silo log says which)");
    }

    private static async Task<SiloProcess> QueueHostAsync(ProductionCluster cluster, IReadOnlyList<SiloProcess> silos)
    {
        using var client = await cluster.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IGrainFactory>();
        var queue = grains.GetGrain<IRandomMatchQueueGrain>(Category);
        await queue.Get(null);
        var address = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(queue);
        return silos.SingleOrDefault(s => s.Hosts(address?.ToString()))
            ?? throw new XunitException($"the {Category} queue is active on {address?.ToString() ?? "no silo"}, none of silo ports {string.Join(", ", silos.Select(s => s.SiloPort))}");
    }

    /// <summary>Drops every activation: what the next calls see comes from storage alone.</summary>
    private static async Task DeactivateEverythingAsync(ProductionCluster cluster)
    {
        using var client = await cluster.ConnectClientAsync();
        await client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
    }

    /// <summary>The MEAL journal segments in MariaDB: those still holding events, and how many were ever written.</summary>
    private static async Task<(long[] Live, int Written)> StoredSegmentsAsync(MariaDbServer database)
    {
        await using var connection = new MySqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT GrainIdExtensionString, PayloadBinary IS NOT NULL FROM OrleansStorage WHERE GrainTypeString = 'partner-rmq-segment' AND GrainIdExtensionString LIKE 'MEAL/%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var live = new List<long>();
        var written = 0;
        while (await reader.ReadAsync())
        {
            var key = reader.GetString(0);
            written++;
            if (reader.GetBoolean(1))
            {
                live.Add(long.Parse(key[(Category.Length + 1)..], CultureInfo.InvariantCulture));
            }
        }

        return ([.. live.Order()], written);
    }

    private static async Task<Outcome> EnqueueUntilAcknowledgedAsync(ApiProcess[] apis, int index, User user, Dictionary<string, string[]> conditions, DateTime deadline)
    {
        var failures = new List<string>();
        var idempotencyKey = Guid.NewGuid().ToString();
        for (var attempt = 0; ; attempt++)
        {
            var (status, body) = await SendAsync(apis[(index + attempt) % apis.Length], HttpMethod.Put, TicketPath, user.Token, new { conditions }, idempotencyKey);
            if (status is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                return new Outcome(status, JsonDocument.Parse(body).RootElement.Clone(), failures);
            }

            failures.Add(status == 0 ? body : $"{(int)status} {body[..Math.Min(body.Length, 160)]}");
            if (status == HttpStatusCode.Conflict || DateTime.UtcNow > deadline)
            {
                return new Outcome(status, null, failures);
            }

            await Task.Delay(250);
        }
    }

    private static async Task<JsonElement> PutTicketAsync(ApiProcess api, User user, Dictionary<string, string[]> conditions, HttpStatusCode expected, string status)
    {
        var (code, body) = await SendAsync(api, HttpMethod.Put, TicketPath, user.Token, new { conditions });
        Assert.True(code == expected, $"{user.Nickname} PUT {Describe(conditions)}: expected {(int)expected}, got {(int)code} {body}");
        var ticket = JsonDocument.Parse(body).RootElement.Clone();
        Assert.True(ticket.GetProperty("status").GetString() == status, $"{user.Nickname} PUT {Describe(conditions)}: expected {status}, got {body}");
        return ticket;
    }

    private static Dictionary<string, string[]> RandomConditions(Random random)
    {
        var conditions = new Dictionary<string, string[]>();
        foreach (var (name, values) in Dimensions)
        {
            var roll = random.NextDouble();
            if (roll >= 0.1)
            {
                conditions[name] = [.. values.OrderBy(_ => random.Next()).Take(roll < 0.9 ? 1 : 2)];
            }
        }

        return conditions;
    }

    private static Dictionary<string, string[]> Cell((string Place, string Time, string Way) cell) => new()
    {
        ["place"] = [cell.Place],
        ["timeOfEating"] = [cell.Time],
        ["wayOfEating"] = [cell.Way],
    };

    /// <summary>Two tickets match when every dimension's acceptable sets meet; a missing dimension accepts anything.</summary>
    private static bool Compatible(Dictionary<string, string[]> a, Dictionary<string, string[]> b) =>
        Dimensions.All(d => !a.TryGetValue(d.Name, out var x) || !b.TryGetValue(d.Name, out var y) || x.Intersect(y).Any());

    private static bool SameConditions(Dictionary<string, string[]> a, Dictionary<string, string[]> b) => Describe(a) == Describe(b);

    private static string Describe(Dictionary<string, string[]> conditions) =>
        "{" + string.Join(" ", Dimensions.Select(d => $"{d.Name}={(conditions.TryGetValue(d.Name, out var v) && v.Length > 0 ? string.Join("|", v.Order(StringComparer.Ordinal)) : "*")}")) + "}";

    private static Dictionary<string, string[]> ConditionsOf(JsonElement ticket) =>
        ticket.GetProperty("conditions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());

    private static Guid[] MatchIds(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(m => Guid.Parse(m.GetProperty("matchId").GetString()!)).Order()];

    private static JsonElement? TicketOf(JsonElement queue) =>
        queue.TryGetProperty("ticket", out var ticket) && ticket.ValueKind == JsonValueKind.Object ? ticket : null;

    private static Guid? MatchIdOf(JsonElement ticket) =>
        ticket.TryGetProperty("matchId", out var id) && id.ValueKind == JsonValueKind.String ? Guid.Parse(id.GetString()!) : null;

    private static async Task<JsonElement> EventuallyGetAsync(ApiProcess api, string path, string token, Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await SendAsync(api, HttpMethod.Get, path, token);
            last = $"{(int)status} {body}";
            if (status == HttpStatusCode.OK && JsonDocument.Parse(body).RootElement.Clone() is var element && done(element))
            {
                return element;
            }

            await Task.Delay(250);
        }

        throw new XunitException($"timed out waiting until {what}; GET {path} last answered {last}");
    }

    /// <summary>Reads until <paramref name="done"/> holds or 20 s pass; returns the last reading either way.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            value = await read();
        }

        return value;
    }

    private static async Task<User> SignInAsync(ApiProcess api, string prefix)
    {
        var login = prefix + Guid.NewGuid().ToString("N")[..8];
        for (var attempt = 0; ; attempt++)
        {
            using var response = await api.Http.PostAsJsonAsync("/api/auth/dev-login", new { login });
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                var user = body.GetProperty("user");
                return new User(body.GetProperty("accessToken").GetString()!, Guid.Parse(user.GetProperty("userId").GetString()!), user.GetProperty("nickname").GetString()!);
            }

            Assert.True(attempt < 5, $"dev login kept failing: {(int)response.StatusCode}");
            await Task.Delay(200);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(ApiProcess api, HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        try
        {
            using var response = await api.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static async Task<JsonElement> GetAsync(ApiProcess api, string path, string token)
    {
        var (status, body) = await SendAsync(api, HttpMethod.Get, path, token);
        Assert.True(status == HttpStatusCode.OK, $"GET {path}: {(int)status} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private sealed record User(string Token, Guid Id, string Nickname);

    private sealed record Outcome(HttpStatusCode Status, JsonElement? Ticket, IReadOnlyList<string> Failures)
    {
        public bool Acknowledged => Ticket is not null;
    }
}
