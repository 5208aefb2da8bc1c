using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Partner.Benchmarks;

/// <summary>A signed-in user of the benchmark: the bearer header to send.</summary>
public sealed record BenchUser(string Login, AuthenticationHeaderValue Bearer);

/// <summary>The answer to a ticket PUT: on 2xx the ticket's status (WAITING, MATCHED) and match id, otherwise the problem code.</summary>
public readonly record struct TicketAnswer(HttpStatusCode Status, string? TicketStatus, Guid? MatchId, string? Code);

/// <summary>
/// The HTTP calls the benchmark makes on one API node, over one pool of keep-alive connections (at most
/// <paramref name="maxConnections"/>: calls beyond wait for one).
/// </summary>
public sealed class PartnerClient(Uri baseAddress, int maxConnections = int.MaxValue) : IDisposable
{
    private static readonly TimeZoneInfo School = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = maxConnections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public Uri BaseAddress => baseAddress;

    /// <summary>Today in the school's time zone, the service's notion of today.</summary>
    public static DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, School).DateTime);

    public async Task<BenchUser> SignInAsync(string login, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync("/api/auth/dev-login", new { login }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                return new BenchUser(login, new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("accessToken").GetString()));
            }

            if (attempt == 5)
            {
                throw new InvalidOperationException($"dev login of {login} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await Task.Delay(200 * attempt, cancellationToken);
        }
    }

    /// <summary>POST /api/rooms; with <paramref name="idempotencyKey"/> a retry of the same create opens no second room.</summary>
    public async Task<Guid> CreateRoomAsync(BenchUser owner, string category, DateOnly date, int capacity, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        object conditions = category == "MEAL"
            ? new Dictionary<string, string[]> { ["place"] = ["GAEPO"], ["wayOfEating"] = ["EATOUT"] }
            : new Dictionary<string, string[]> { ["place"] = ["GAEPO"], ["typeOfStudy"] = ["INNER_CIRCLE"] };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/rooms")
        {
            Content = JsonContent.Create(new
            {
                category,
                title = "Benchmark room",
                content = "Rooms opened by the Partner benchmark.",
                date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                capacity,
                anonymous = false,
                conditions,
            }),
        };
        request.Headers.Authorization = owner.Bearer;
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating a room answered {(int)response.StatusCode}: {text}");
        }

        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("roomId").GetGuid();
    }

    /// <summary>PUT participants/me: 201 joined, 200 already in, 409 full or completed; anything else is an error.</summary>
    public async ValueTask<(HttpStatusCode Status, string? Code)> JoinAsync(Guid roomId, BenchUser user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/rooms/{roomId}/participants/me");
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        return (response.StatusCode, await ProblemCodeAsync(response, cancellationToken));
    }

    /// <summary>DELETE participants/me: 204 left, 409 not a participant (or the owner); anything else is an error.</summary>
    public async ValueTask<HttpStatusCode> LeaveAsync(Guid roomId, BenchUser user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/rooms/{roomId}/participants/me");
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>The seq of the user's newest alarm (<c>lastSeq</c> of <c>GET /api/alarms</c>): how many the inbox ever raised.</summary>
    public async Task<long> LastAlarmSeqAsync(BenchUser user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alarms?limit=1");
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var body = response.IsSuccessStatusCode ? JsonDocument.Parse(text) : throw new InvalidOperationException($"GET /api/alarms answered {(int)response.StatusCode}: {text}");
        return body.RootElement.GetProperty("lastSeq").GetInt64();
    }

    /// <summary>PUT /api/random-match/{category}/ticket with a ready JSON body (<c>{"conditions":{…}}</c>).</summary>
    public async ValueTask<TicketAnswer> PutTicketAsync(string category, BenchUser user, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/random-match/{category}/ticket")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            return new TicketAnswer(response.StatusCode, null, null, await ProblemCodeAsync(response, cancellationToken));
        }

        using var ticket = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var matchId = ticket.RootElement.TryGetProperty("matchId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : (Guid?)null;
        return new TicketAnswer(response.StatusCode, ticket.RootElement.GetProperty("status").GetString(), matchId, null);
    }

    /// <summary>DELETE the user's waiting ticket: 204, or 404 when none waits.</summary>
    public async ValueTask<HttpStatusCode> CancelTicketAsync(string category, BenchUser user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/random-match/{category}/ticket");
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>A GET as <paramref name="user"/> whose body is read and dropped: its status.</summary>
    public async ValueTask<HttpStatusCode> GetAsync(string path, BenchUser user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = user.Bearer;
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>A GET whose body is read and dropped: 2xx or not.</summary>
    public async ValueTask<HttpStatusCode> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
        return response.StatusCode;
    }

    public async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text)
            : throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {text}");
    }

    public void Dispose() => http.Dispose();

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var body = JsonDocument.Parse(text);
            return body.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
