using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Partner.Api.Auth;
using Partner.Api.Hosting;
using Partner.Tests.Live;
using Partner.Tests.Rooms;
using Partner.Tests.Security;
using Xunit.Abstractions;

namespace Partner.Tests.Api;

/// <summary>
/// Generated bad input for every endpoint the application maps (found in its own
/// <see cref="EndpointDataSource"/>, so a new endpoint is fuzzed without a line here) and every hub
/// method: bodies generated from each endpoint's request record (<see cref="FuzzInputs"/>), garbage
/// path and query values, headers and tokens, each sent with real resources in place (a room with a
/// participant and a comment, a match) so that the input reaches the grains. No answer is a 5xx,
/// every refusal is problem details, and no token that should be refused is accepted. Seeded
/// (<c>PARTNER_FUZZ_SEED</c>, printed); every failure is collected and reported at the end.
/// </summary>
public sealed partial class Fuzzing(Fuzzing.Api api, ITestOutputHelper output) : IClassFixture<Fuzzing.Api>
{
    private const string ProblemJson = "application/problem+json";
    private const int Parallelism = 8;
    private const int RandomBodiesPerEndpoint = 40;
    private const string NulPathRefused = "a path with NUL, refused before the application";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    // Transport and documentation endpoints speak their own protocols; the hub is fuzzed through its client below.
    // /dashboard is Orleans' dashboard (its own code, long-polling /Trace): covered by the operations tests, not fuzzed here.
    private static readonly string[] SkippedPrefixes = ["/test", "/scalar", "/openapi", "/hubs", "/dashboard"];

    /// <summary>The routes API.md lists (on this branch; /metrics and /dashboard are not mapped here).</summary>
    private static readonly string[] ContractRoutes =
    [
        "GET /api/auth/login/42", "POST /api/auth/dev-login", "POST /api/auth/refresh", "POST /api/auth/logout",
        "GET /api/categories", "GET /api/users/me", "PATCH /api/users/me", "DELETE /api/users/me", "GET /api/users/me/activity-score",
        "GET /api/rooms", "POST /api/rooms", "GET /api/rooms/{roomId}", "PUT /api/rooms/{roomId}", "DELETE /api/rooms/{roomId}",
        "PUT /api/rooms/{roomId}/participants/me", "DELETE /api/rooms/{roomId}/participants/me", "POST /api/rooms/{roomId}/match",
        "GET /api/rooms/{roomId}/comments", "POST /api/rooms/{roomId}/comments",
        "PUT /api/rooms/{roomId}/comments/{commentId}", "DELETE /api/rooms/{roomId}/comments/{commentId}",
        "GET /api/random-match/{category}", "PUT /api/random-match/{category}/ticket", "DELETE /api/random-match/{category}/ticket",
        "GET /api/matches", "GET /api/matches/{matchId}", "POST /api/matches/{matchId}/reviews",
        "GET /api/alarms", "POST /api/alarms/read", "GET /health/live", "GET /health/ready",
    ];

    /// <summary>Bodies read by a handler itself rather than bound (no accepts metadata): the record it reads.</summary>
    private static readonly Dictionary<string, Type> HandReadBodies = new(StringComparer.Ordinal)
    {
        ["POST /api/auth/refresh"] = typeof(RefreshRequest),
    };

    private static readonly (string Label, string Value)[] PathValues =
    [
        ("traversal ..%2f..", "..%2f..%2fusers%2fme"),
        ("traversal ..%5c..", "..%5c..%5c"),
        ("dot-dot", ".."),
        ("encoded dots %2e%2e", "%2e%2e"),
        ("%00", "%00"),
        ("%2500", "%2500"),
        ("non-GUID", "not-a-guid"),
        ("GUID in braces", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}"),
        ("GUID without dashes", "3f2504e04f8911d39a0c0305e82c3301"),
        ("empty GUID", Guid.Empty.ToString()),
        ("unknown GUID", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ("10,000 chars", new string('i', 10_000)),
        ("emoji", "%F0%9F%98%80"),
        ("lone surrogate as UTF-8", "%ED%A0%80"),
        ("RTL override", "%E2%80%AEMEAL"),
        ("fullwidth MEAL", "%EF%BC%AD%EF%BC%A5%EF%BC%A1%EF%BC%AC"),
        ("CRLF", "MEAL%0d%0aX-Injected:%20yes"),
        ("semicolon", "MEAL;x=1"),
        ("space", "%20MEAL%20"),
        ("lowercase meal", "meal"),
    ];

    private static readonly (string Label, string Value)[] QueryValues =
    [
        ("empty", ""),
        ("%00", "%00"),
        ("letters", "abc"),
        ("-1", "-1"),
        ("-0", "-0"),
        ("huge integer", "99999999999999999999"),
        ("1e309", "1e309"),
        ("NaN", "NaN"),
        ("5,000 chars", new string('q', 5000)),
        ("emoji", "%F0%9F%98%80"),
        ("RTL override", "%E2%80%AE"),
        ("invalid UTF-8", "%ED%A0%80%FF"),
        ("traversal", "..%2f..%2f"),
        ("%25", "%25"),
        ("JSON", "%7B%7D"),
        ("impossible date", "2026-02-30"),
        ("date at the edge", "9999-12-31T23:59:59Z"),
        ("year 1", "0001-01-01"),
        ("instant with bad offset", "2026-01-01T00:00:00%2B99:00"),
        ("plus sign", "+"),
    ];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; charset=\"", "application/merge-patch+json",
        "application/problem+json", "*/*", "application/json, text/plain", "application/jsonx", ";;;",
    ];

    private static readonly (string Label, string[] Values)[] IdempotencyKeys =
    [
        ("empty", [""]),
        ("spaces", ["   "]),
        ("201 chars", [new string('k', 201)]),
        ("10,000 chars", [new string('k', 10_000)]),
        ("two headers", ["key-a", "key-b"]),
        ("comma list", ["key-a, key-b"]),
        ("non-ASCII", ["ключ-\u202e"]),
        ("tab inside", ["key\tkey"]),
        ("traversal", ["../../x"]),
    ];

    private static readonly string[] IfMatches =
    [
        "\"abc\"", "W/\"1\"", "\"-1\"", "\"99999999999999999999\"", "*, \"1\"", "\"1\", \"2\"", "", "W/", "\"", "\"1e309\"", "\"\u202e1\"", new string('9', 5000),
    ];

    private static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("PARTNER_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20_261_206;

    private PartnerApiFactory factory => api.Factory;

    /// <summary>One API for the class, its error log captured (an unhandled exception names its type there, never in the response).</summary>
    public sealed class Api : IAsyncLifetime
    {
        public Api()
        {
            var errors = Errors;
            Factory = new PartnerApiFactory
            {
                Settings = new Dictionary<string, string?>
                {
                    // Configured so the OAuth handler owns the callback path; the base URL is never contacted.
                    ["Auth:Intra:ClientId"] = "fuzz-client",
                    ["Auth:Intra:ClientSecret"] = "fuzz-secret",
                    ["Auth:Intra:BaseUrl"] = "http://127.0.0.1:9",
                    ["Logging:LogLevel:Partner.Api.Auth"] = "Error",
                },
                ExtraServices = services => services.AddSingleton<ILoggerProvider>(errors),
            };
        }

        public PartnerApiFactory Factory { get; }

        internal ErrorLog Errors { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public void TheEnumerationFindsEveryRouteTheContractLists()
    {
        var found = Discover().Select(target => target.Route).ToHashSet(StringComparer.Ordinal);

        var missing = ContractRoutes.Where(route => !found.Contains(route)).ToArray();
        output.WriteLine($"{found.Count} endpoint methods: {string.Join(", ", found.Order(StringComparer.Ordinal))}");
        Assert.True(missing.Length == 0, $"not found in the EndpointDataSource: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task NoBodyPathQueryOrHeaderReachesA5xx()
    {
        var stopwatch = Stopwatch.StartNew();
        var inputs = new FuzzInputs(Seed);
        var targets = Discover();
        var scenes = new Dictionary<Target, Scene>();
        var sequence = 0;
        foreach (var target in targets)
        {
            scenes[target] = await SceneAsync(Interlocked.Increment(ref sequence));
        }

        // Each mutation is one change away from a body the endpoint accepts: the generator's valid body, sent first.
        var baselines = new List<string>();
        foreach (var target in targets.Where(target => target.BodyType is not null))
        {
            var valid = ValidRequest(target, scenes[target], inputs);
            var outcome = await SendAsync(valid);
            if (outcome.Status is < 200 or >= 300)
            {
                baselines.Add($"{valid} → {outcome.Status}: {Excerpt(outcome.Text)}");
            }
        }

        Assert.True(baselines.Count == 0, "the generator's valid bodies were refused:\n" + string.Join('\n', baselines));
        var setUp = stopwatch.Elapsed;
        var requests = targets.SelectMany(target => RequestsFor(target, scenes[target], inputs)).ToArray();
        var report = await RunAsync(requests, (request, outcome) => Generic(request, outcome) ?? FieldNamed(request, outcome));

        output.WriteLine($"seed {Seed}: {targets.Count} endpoint methods, {requests.Length} requests in {(stopwatch.Elapsed - setUp).TotalSeconds:F1} s "
            + $"after {setUp.TotalSeconds:F1} s of set-up; statuses {report.Statuses}");
        report.AssertClean(api.Errors);
    }

    [Fact]
    public async Task NoRefusedTokenIsAccepted()
    {
        var stopwatch = Stopwatch.StartNew();
        var withdrawn = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await withdrawn.Http.DeleteAsync("/api/users/me")).StatusCode);
        var loggedOut = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await loggedOut.Http.PostAsync("/api/auth/logout", null)).StatusCode);
        var scene = await SceneAsync(0);
        var inputs = new FuzzInputs(Seed);
        var tokens = RefusedTokens(scene, withdrawn.AccessToken, loggedOut.AccessToken);
        // Reads may trust a session check for Auth:SessionRecheckInterval (1 s) after the withdrawal and the logout.
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        var targets = Discover();
        var anonymous = new ConcurrentDictionary<string, Outcome>(StringComparer.Ordinal);
        var requests = targets.SelectMany(target => tokens.Select(token => ValidRequest(target, scene, inputs) with
        {
            AuthorizationLabel = token.Label,
            Authorization = token.Values,
            Check = TokenRefused(target, token.Label == "withdrawn user's token", anonymous),
        })).ToArray();
        foreach (var target in targets)
        {
            var plain = ValidRequest(target, scene, inputs) with { AuthorizationLabel = "no token", Authorization = [] };
            anonymous[target.Route] = await SendAsync(plain);
        }

        var report = await RunAsync(requests, (request, outcome) => Generic(request, outcome) ?? request.Check!(outcome));

        // The control: the genuine token of the same user is accepted everywhere that needs one (logout and withdrawal last, they end it).
        foreach (var target in targets.Where(target => target.RequiresAuth))
        {
            // Logout and withdrawal end the session they are sent with: each gets a user of its own.
            var own = target.Route is "POST /api/auth/logout" or "DELETE /api/users/me" ? scene with { Token = (await factory.SignInAsync()).AccessToken } : scene;
            var control = ValidRequest(target, own, inputs);
            var outcome = await SendAsync(control);
            if (outcome.Status is 401 or >= 500)
            {
                report.Failures.Add($"control {control} → {outcome.Status}: the genuine token should pass authentication: {Excerpt(outcome.Text)}");
            }
        }

        output.WriteLine($"seed {Seed}: {tokens.Length} refused tokens × {targets.Count} endpoint methods = {requests.Length} requests "
            + $"in {stopwatch.Elapsed.TotalSeconds:F1} s; statuses {report.Statuses}");
        report.AssertClean(api.Errors);
    }

    [Fact]
    public async Task HubMethodsAnswerBadArgumentsWithAHubErrorAndStayUsable()
    {
        var stopwatch = Stopwatch.StartNew();
        var scene = await SceneAsync(0);
        var random = new Random(Seed);
        var failures = new List<string>();
        var room = scene.RoomId.ToString();
        object?[] roomIds =
        [
            "not-a-guid", "", null, 123, true, new Dictionary<string, int> { ["a"] = 1 }, Array.Empty<int>(), new string('g', 60_000),
            "../../x", Raw("\"\\ud800\""), "\u202e" + room, room + "\u0000", Guid.Empty, Guid.NewGuid(), Raw("1e309"), Raw("-0"), room.ToUpperInvariant(), "{" + room + "}",
        ];
        object?[] seqs =
        [
            "abc", -1L, null, 1.5, Raw("1e309"), long.MaxValue, long.MinValue, Raw("9223372036854775808"), Raw("-0"), "5", "\u0000",
            new Dictionary<string, int> { ["a"] = 1 }, Array.Empty<int>(), true, new string('9', 60_000),
        ];
        var cases = new List<(string Method, object?[] Args)>();
        foreach (var id in roomIds)
        {
            cases.Add(("SubscribeRoom", [id]));
            cases.Add(("UnsubscribeRoom", [id]));
        }

        cases.AddRange(seqs.Select(seq => ("Resume", new[] { seq })));
        cases.AddRange(
        [
            ("SubscribeRoom", []), ("SubscribeRoom", [room, "extra"]), ("UnsubscribeRoom", []), ("Resume", []), ("Resume", [0L, 1L]),
            ("subscriberoom", [room]), ("Nope", []), ("OnConnectedAsync", []), ("OnDisconnectedAsync", [null]), ("Dispose", []), (" ", []),
            ("Resume\u0000", [0L]), (new string('M', 10_000), [1]),
        ]);
        string[] methods = ["SubscribeRoom", "UnsubscribeRoom", "Resume"];
        object?[] pool = [.. roomIds, .. seqs];
        for (var i = 0; i < 40; i++)
        {
            cases.Add((methods[random.Next(methods.Length)], [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => pool[random.Next(pool.Length)])]));
        }

        var closedBySize = 0;
        var live = await LiveClient.ConnectAsync(factory, scene.Token);
        try
        {
            foreach (var (method, args) in cases)
            {
                var label = $"{Describe(method)}({string.Join(", ", args.Select(Describe))})";
                // SignalR closes a connection whose message exceeds MaximumReceiveMessageSize (32 KB): a refusal, after which the client reconnects.
                var oversized = args.Sum(arg => arg is string text ? text.Length : Describe(arg).Length) + method.Length > 30 * 1024;
                try
                {
                    using var timeout = new CancellationTokenSource(RequestTimeout);
                    await live.Connection.InvokeCoreAsync(method, typeof(JsonElement), args, timeout.Token);
                }
                catch (HubException)
                {
                    // A hub error is the expected refusal.
                }
                catch (Exception ex) when (!oversized)
                {
                    failures.Add($"{label} → {ex.GetType().Name}: {Excerpt(ex.Message)}");
                }
                catch (Exception)
                {
                    closedBySize++;
                }

                try
                {
                    using var timeout = new CancellationTokenSource(RequestTimeout);
                    await live.Connection.InvokeAsync<JsonElement[]>("Resume", 0L, timeout.Token);
                }
                catch (Exception ex)
                {
                    if (!oversized)
                    {
                        failures.Add($"{label} → the connection is no longer usable ({live.Connection.State}): {ex.GetType().Name}: {Excerpt(ex.Message)}");
                    }

                    await live.DisposeAsync();
                    live = await LiveClient.ConnectAsync(factory, scene.Token);
                }
            }

            var subscribed = await live.Connection.InvokeAsync<JsonElement>("SubscribeRoom", scene.RoomId);
            Assert.Equal(scene.RoomId, subscribed.GetProperty("roomId").GetGuid());
        }
        finally
        {
            await live.DisposeAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await scene.Http.GetAsync("/api/users/me")).StatusCode);
        output.WriteLine($"seed {Seed}: {cases.Count} hub invocations in {stopwatch.Elapsed.TotalSeconds:F1} s ({closedBySize} over the message size limit)");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} hub invocations broke the rule:\n{string.Join('\n', failures)}"
            + Logged(api.Errors));
    }

    [Fact]
    public async Task TheHubRefusesEveryBadToken()
    {
        var withdrawn = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await withdrawn.Http.DeleteAsync("/api/users/me")).StatusCode);
        var loggedOut = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await loggedOut.Http.PostAsync("/api/auth/logout", null)).StatusCode);
        var scene = await SceneAsync(0);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var failures = new List<string>();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var tokens = RefusedTokens(scene, withdrawn.AccessToken, loggedOut.AccessToken);
        foreach (var (label, values) in tokens)
        {
            using var header = new HttpRequestMessage(HttpMethod.Post, "/hubs/partner/negotiate?negotiateVersion=1");
            foreach (var value in values)
            {
                header.Headers.TryAddWithoutValidation("Authorization", value);
            }

            using var byHeader = await client.SendAsync(header);
            if (byHeader.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"negotiate [{label}] in the header → {(int)byHeader.StatusCode}");
            }

            var raw = values.Length == 0 ? "" : values[0].StartsWith("Bearer ", StringComparison.Ordinal) ? values[0]["Bearer ".Length..] : values[0];
            using var byQuery = await client.PostAsync($"/hubs/partner/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(raw)}", null);
            if (byQuery.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"negotiate [{label}] as access_token → {(int)byQuery.StatusCode}");
            }

            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(factory.Server.BaseAddress, "/hubs/partner"), options =>
                {
                    options.Transports = HttpTransportType.WebSockets;
                    options.SkipNegotiation = true;
                    options.WebSocketFactory = (context, cancellation) => new ValueTask<System.Net.WebSockets.WebSocket>(
                        factory.Server.CreateWebSocketClient().ConnectAsync(new Uri($"{context.Uri}?access_token={Uri.EscapeDataString(raw)}"), cancellation));
                })
                .Build();
            await using (connection)
            {
                try
                {
                    await connection.StartAsync();
                    failures.Add($"WebSocket [{label}] connected");
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    // Refused, as it should be.
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} bad tokens reached the hub:\n{string.Join('\n', failures)}");
    }

    private List<Target> Discover()
    {
        var source = factory.Services.GetRequiredService<EndpointDataSource>();
        var targets = source.Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => !SkippedPrefixes.Any(prefix => endpoint.RoutePattern.RawText?.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) == true)
                && !endpoint.RoutePattern.Parameters.Any(parameter => parameter.IsCatchAll))
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Where(method => method != HttpMethods.Head)
                .Select(method => new Target(method, endpoint.RoutePattern, RequiresAuth(endpoint), ActiveUserFilter.HasActiveUserStep(endpoint), BodyType(method, endpoint), QueryOf(endpoint))))
            // The OAuth handler answers the callback before routing: no endpoint, but input all the same.
            .Append(new Target("GET", RoutePatternFactory.Parse(IntraLogin.CallbackPath), false, false, null, ["code", "state", "error"]));
        return [.. targets.DistinctBy(target => target.Route)];
    }

    private static bool RequiresAuth(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;

    private static Type? BodyType(string method, RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType
        ?? HandReadBodies.GetValueOrDefault($"{method} {Shape(endpoint.RoutePattern)}");

    /// <summary>The handler's parameters bound from the query: simple types that are neither route values nor taken from elsewhere.</summary>
    private static string[] QueryOf(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler)
        {
            return [];
        }

        var route = endpoint.RoutePattern.Parameters.Select(parameter => parameter.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. handler.GetParameters()
            .Where(parameter => !route.Contains(parameter.Name!)
                && (Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType) is var type
                && (type.IsPrimitive || type == typeof(string) || type == typeof(DateOnly) || type == typeof(DateTimeOffset) || type == typeof(Guid))
                && parameter.GetCustomAttributes().All(attribute => attribute is FromQueryAttribute || !attribute.GetType().Name.StartsWith("From", StringComparison.Ordinal)))
            .Select(parameter => parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? parameter.Name!)];
    }

    private static string Shape(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => "",
        }))));

    private static string Render(RoutePattern pattern, Func<string, string> value) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => value(parameter.Name),
            _ => "",
        }))));

    /// <summary>Two users, a room of the first that the second joined and the first commented on, and a match of both (from a second room).</summary>
    private async Task<Scene> SceneAsync(int n)
    {
        var a = await factory.SignInAsync();
        var b = await factory.SignInAsync();
        var room = await a.CreateRoomAsync(RoomRequests.Body(capacity: 4, date: RoomRequests.InDays(7), title: $"fuzz {n}"));
        Assert.Equal(HttpStatusCode.Created, (await b.Http.PutAsync($"/api/rooms/{room.Id()}/participants/me", null)).StatusCode);
        var commented = await a.Http.PostAsJsonAsync($"/api/rooms/{room.Id()}/comments", new { content = "fuzz" });
        Assert.Equal(HttpStatusCode.Created, commented.StatusCode);
        var comment = (await commented.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("commentId").GetGuid();
        var matched = await a.CreateRoomAsync(RoomRequests.Body(capacity: 2, date: RoomRequests.InDays(7)));
        Assert.Equal(HttpStatusCode.Created, (await b.Http.PutAsync($"/api/rooms/{matched.Id()}/participants/me", null)).StatusCode);
        var completed = await a.Http.PostAsync($"/api/rooms/{matched.Id()}/match", null);
        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        var match = (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matchId").GetGuid();
        // A second session of the same user: refresh fuzzing spends (and may revoke) its refresh token, not the session the scene's token belongs to.
        var spare = await factory.SignInAsync(a.User.GetProperty("login").GetString());
        return new Scene(a.Http, a.AccessToken, spare.RefreshToken, a.UserId, b.UserId, room.Id(), comment, match, n);
    }

    private static string PathValue(Scene scene, string name) => name switch
    {
        "roomId" => scene.RoomId.ToString(),
        "commentId" => scene.CommentId.ToString(),
        "matchId" => scene.MatchId.ToString(),
        "category" => "MEAL",
        _ => "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    };

    /// <summary>Raw JSON of a value each field accepts, by its path in the body.</summary>
    private static string ValidValue(Scene scene, string field) => field switch
    {
        "category" => "\"MEAL\"",
        "title" => "\"fuzz title\"",
        "content" => "\"fuzz content\"",
        "date" => $"\"{RoomRequests.InDays(7)}\"",
        "capacity" => "4",
        "anonymous" => "false",
        "conditions" => "{}",
        "parentId" => $"\"{scene.CommentId}\"",
        "login" => $"\"fz{scene.N}\"",
        "email" => "\"fuzz@example.com\"",
        "refreshToken" => $"\"{scene.RefreshToken}\"",
        "upToSeq" => "0",
        "reviews" => $"[{{\"userId\":\"{scene.B}\",\"score\":5}}]",
        "reviews.userId" => $"\"{scene.B}\"",
        "reviews.score" => "5",
        _ => "null",
    };

    private static Request ValidRequest(Target target, Scene scene, FuzzInputs inputs) => new(target, Render(target.Pattern, name => PathValue(scene, name)))
    {
        AuthorizationLabel = "genuine token",
        Authorization = ["Bearer " + scene.Token],
        Body = target.BodyType is { } type ? inputs.Bodies(FuzzInputs.FieldsOf(type), field => ValidValue(scene, field), 0).First() : null,
    };

    private static IEnumerable<Request> RequestsFor(Target target, Scene scene, FuzzInputs inputs)
    {
        var valid = ValidRequest(target, scene, inputs);
        var bodies = target.BodyType is { } type
            ? inputs.Bodies(FuzzInputs.FieldsOf(type), field => ValidValue(scene, field), RandomBodiesPerEndpoint)
            : FuzzInputs.WholeBodies([], []);
        foreach (var body in bodies)
        {
            yield return valid with { Body = body };
        }

        foreach (var parameter in target.Query)
        {
            foreach (var (label, value) in QueryValues)
            {
                yield return valid with { Path = $"{valid.Path}?{parameter}={value}", Label = $"?{parameter}={label}" };
            }

            yield return valid with { Path = $"{valid.Path}?{parameter}=1&{parameter}=2", Label = $"?{parameter} twice" };
            yield return valid with { Path = $"{valid.Path}?{parameter}", Label = $"?{parameter} without a value" };
            yield return valid with { Path = $"{valid.Path}?{parameter}[]=1&{parameter}[x]=2", Label = $"?{parameter}[]" };
        }

        if (target.Query.Length > 0)
        {
            var random = new Random(Seed + target.Route.Sum(c => c));
            for (var i = 0; i < 10; i++)
            {
                var query = string.Join('&', target.Query.Select(parameter => $"{parameter}={QueryValues[random.Next(QueryValues.Length)].Value}"));
                yield return valid with { Path = $"{valid.Path}?{query}", Label = $"every query value random #{i}" };
            }
        }

        foreach (var parameter in target.Pattern.Parameters)
        {
            foreach (var (label, value) in PathValues)
            {
                var path = Render(target.Pattern, name => name == parameter.Name ? value : PathValue(scene, name));
                yield return valid with { Path = path, Label = $"{{{parameter.Name}}} {label}" };
            }
        }

        if (target.Method is "POST" or "PUT" or "PATCH")
        {
            foreach (var contentType in ContentTypes)
            {
                yield return valid with { Body = (valid.Body ?? new FuzzBody("{}", null, "{}"u8.ToArray())) with { ContentType = contentType }, Label = $"Content-Type {contentType}" };
            }

            yield return valid with { Body = (valid.Body ?? new FuzzBody("{}", null, "{}"u8.ToArray())) with { ContentType = "" }, Label = "no Content-Type" };
            foreach (var (label, values) in IdempotencyKeys)
            {
                yield return valid with { Headers = [.. values.Select(value => ("Idempotency-Key", value))], Label = $"Idempotency-Key {label}" };
            }
        }

        if (target.Method is "PUT" or "PATCH" or "DELETE")
        {
            foreach (var ifMatch in IfMatches)
            {
                yield return valid with { Headers = [("If-Match", ifMatch)], Label = $"If-Match {FuzzInputs.Short(ifMatch)}" };
            }
        }
    }

    private static (string Label, string[] Values)[] RefusedTokens(Scene scene, string withdrawnToken, string loggedOutToken)
    {
        var genuine = scene.Token;
        var parts = genuine.Split('.');
        // Forged with the genuine session, so that the forgery itself is all that is wrong.
        var session = Guid.Parse(new JsonWebToken(genuine).GetClaim(PartnerClaims.Session).Value);
        var flipped = parts[2][..^2] + (parts[2][^2] == 'A' ? 'B' : 'A') + parts[2][^1];
        var noneUpper = $"{Base64UrlEncoder.Encode("""{"alg":"NONE","typ":"JWT"}""")}.{parts[1]}.";
        return
        [
            ("no Authorization", []),
            ("Bearer, no token", ["Bearer "]),
            ("Bearer alone", ["Bearer"]),
            ("Basic credentials", ["Basic YWxpY2U6c2VjcmV0"]),
            ("a.b.c", ["Bearer a.b.c"]),
            ("five parts (JWE shape)", ["Bearer a.b.c.d.e"]),
            ("not base64", ["Bearer !!!.@@@.###"]),
            ("3000 chars", ["Bearer " + new string('t', 3000)]),
            ("non-ASCII", ["Bearer ключ.ключ.ключ"]),
            ("genuine token, signature cut off", [$"Bearer {parts[0]}.{parts[1]}."]),
            ("genuine token, signature altered", [$"Bearer {parts[0]}.{parts[1]}.{flipped}"]),
            ("genuine token with a suffix", [$"Bearer {genuine}x"]),
            ("genuine token, header alg NONE", [$"Bearer {noneUpper}"]),
            ("alg none", ["Bearer " + TokenForgeries.Unsigned(scene.A)]),
            ("another key", ["Bearer " + TokenForgeries.Signed(scene.A, key: "another-key-that-is-long-enough-to-sign-tokens", session: session)]),
            ("another issuer", ["Bearer " + TokenForgeries.Signed(scene.A, issuer: "evil", session: session)]),
            ("another audience", ["Bearer " + TokenForgeries.Signed(scene.A, audience: "evil", session: session)]),
            ("expired", ["Bearer " + TokenForgeries.Expired(scene.A)]),
            ("not yet valid", ["Bearer " + TokenForgeries.Signed(scene.A, notBefore: DateTime.UtcNow.AddHours(1), session: session)]),
            ("subject swapped to another user", ["Bearer " + TokenForgeries.SwapSubject(genuine, scene.B)]),
            ("no session", ["Bearer " + TokenForgeries.Signed(scene.A, session: null)]),
            ("unknown session", ["Bearer " + TokenForgeries.Signed(scene.A, session: Guid.NewGuid())]),
            ("HS512", ["Bearer " + TokenForgeries.Signed(scene.A, algorithm: SecurityAlgorithms.HmacSha512, key: JwtSettings.DevelopmentSigningKey + JwtSettings.DevelopmentSigningKey, session: session)]),
            ("two Authorization headers, forged then genuine", ["Bearer a.b.c", "Bearer " + genuine]),
            ("withdrawn user's token", ["Bearer " + withdrawnToken]),
            ("logged-out user's token", ["Bearer " + loggedOutToken]),
        ];
    }

    /// <summary>
    /// Where a token is required: 401 (403 <c>user.withdrawn</c> for a withdrawn user's token on a write); where it is optional:
    /// the anonymous answer (or 401), and nothing that only the token's user may see.
    /// </summary>
    private static Func<Outcome, string?> TokenRefused(Target target, bool withdrawn, ConcurrentDictionary<string, Outcome> anonymous) => outcome =>
    {
        if (withdrawn && target.ActiveUser)
        {
            return outcome.Status == 403 && outcome.Code == "user.withdrawn" ? null : "expected 403 user.withdrawn";
        }

        if (target.RequiresAuth)
        {
            return outcome.Status == 401 ? null : "the token was accepted (expected 401)";
        }

        if (outcome.Text.Contains("\"isMe\":true", StringComparison.Ordinal) || outcome.Text.Contains("\"ticket\":{", StringComparison.Ordinal))
        {
            return "the answer shows what only the token's user may see";
        }

        var plain = anonymous[target.Route].Status;
        return outcome.Status == plain || outcome.Status == 401 ? null : $"expected the anonymous answer ({plain}) or 401";
    };

    private static string? Generic(Request request, Outcome outcome)
    {
        if (outcome.Failure is { } failure)
        {
            return failure == NulPathRefused ? null : failure;
        }

        var status = outcome.Status;
        if (status >= 500)
        {
            return "server error";
        }

        if (request.Body is { Bytes.Length: > (int)RequestBodyLimit.MaxBytes } && status != 413)
        {
            return "a body over the limit not refused with 413";
        }

        if (status is >= 200 and < 300 && request.Body is { } sent && ForbiddenText().IsMatch(Encoding.UTF8.GetString(sent.Bytes)))
        {
            return "accepted a string holding NUL or an unpaired surrogate (every text field refuses them)";
        }

        if (status < 400 || outcome.Body.Length == 0)
        {
            return null;
        }

        if (outcome.ContentType != ProblemJson)
        {
            return $"a {status} whose body is not {ProblemJson}";
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            var root = json.RootElement;
            return root.ValueKind != JsonValueKind.Object ? "problem details that are not a JSON object"
                : !root.TryGetProperty("status", out var field) || field.ValueKind != JsonValueKind.Number || field.GetInt32() != status ? $"problem details without \"status\": {status}"
                : outcome.Code is { Length: > 0 } ? null
                : "problem details without a \"code\"";
        }
        catch (JsonException)
        {
            return "problem details that are not JSON";
        }
    }

    /// <summary>A validation answer to a bad value of one field names that field (or a path inside it).</summary>
    private static string? FieldNamed(Request request, Outcome outcome)
    {
        if (request.Body?.Field is not { } field || outcome.Status != 400 || outcome.Code != "validation")
        {
            return null;
        }

        using var json = JsonDocument.Parse(outcome.Body);
        if (!json.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return "a validation problem without errors";
        }

        var top = field.Split('[', '.')[0];
        var keys = errors.EnumerateObject().Select(property => property.Name).ToArray();
        return keys.Any(key => key.Equals(top, StringComparison.OrdinalIgnoreCase) || key.StartsWith(top + ".", StringComparison.OrdinalIgnoreCase) || key.StartsWith(top + "[", StringComparison.OrdinalIgnoreCase))
            ? null
            : $"a validation problem that does not name {field} (names {string.Join(", ", keys)})";
    }

    private async Task<Report> RunAsync(IReadOnlyList<Request> requests, Func<Request, Outcome, string?> check)
    {
        var report = new Report(requests.Count);
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (request, _) =>
        {
            var outcome = await SendAsync(request);
            report.Count(outcome.Status);
            if (check(request, outcome) is { } violation)
            {
                report.Failures.Add($"{request} → {outcome.Status} {outcome.ContentType}: {violation}: {Excerpt(outcome.Text)}");
            }
        });
        return report;
    }

    private async Task<Outcome> SendAsync(Request request)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.Timeout = RequestTimeout;
        try
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Target.Method), request.Path);
            if (request.Body is { } body)
            {
                message.Content = new ByteArrayContent(body.Bytes);
                if (body.ContentType.Length > 0)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
                }
            }

            foreach (var value in request.Authorization)
            {
                message.Headers.TryAddWithoutValidation("Authorization", value);
            }

            foreach (var (name, value) in request.Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await client.SendAsync(message);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            string? code = null;
            if (response.Content.Headers.ContentType?.MediaType == ProblemJson)
            {
                try
                {
                    using var json = JsonDocument.Parse(bytes);
                    code = json.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                }
                catch (JsonException)
                {
                    // Reported by the shape check.
                }
            }

            return new Outcome((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, bytes, code, null);
        }
        catch (InvalidOperationException ex) when (ex.Message == "The path contains null characters.")
        {
            // TestServer refuses to build such a request, as Kestrel answers it 400 before the application.
            return new Outcome(0, null, [], null, NulPathRefused);
        }
        catch (Exception ex)
        {
            return new Outcome(0, null, [], null, $"threw {ex.GetType().Name}: {Excerpt(ex.Message)}");
        }
    }

    private static RawJson Raw(string json) => new(json);

    /// <summary>A JSON escape of NUL, a high surrogate not followed by a low one, or a low surrogate not after a high one.</summary>
    [GeneratedRegex(@"\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")]
    private static partial Regex ForbiddenText();

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => JsonSerializer.Serialize(FuzzInputs.Short(text)),
        RawJson raw => raw.Json,
        _ => FuzzInputs.Short(JsonSerializer.Serialize(value)),
    };

    private static string Excerpt(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static string Logged(ErrorLog errors) =>
        errors.Distinct() is { Count: > 0 } logged ? "\nErrors logged by the server:\n" + string.Join('\n', logged) : "";

    private sealed record Target(string Method, RoutePattern Pattern, bool RequiresAuth, bool ActiveUser, Type? BodyType, string[] Query)
    {
        public string Route { get; } = $"{Method} {Shape(Pattern)}";
    }

    /// <summary>JSON written as is: what the client's serializer would refuse to write (a lone surrogate escape, 1e309).</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    private sealed record RawJson(string Json);

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json, skipInputValidation: true);
    }

    private sealed record Scene(HttpClient Http, string Token, string RefreshToken, Guid A, Guid B, Guid RoomId, Guid CommentId, Guid MatchId, int N);

    private sealed record Request(Target Target, string Path)
    {
        public string AuthorizationLabel { get; init; } = "no token";

        public string[] Authorization { get; init; } = [];

        public FuzzBody? Body { get; init; }

        public (string Name, string Value)[] Headers { get; init; } = [];

        public string? Label { get; init; }

        public Func<Outcome, string?>? Check { get; init; }

        public override string ToString()
        {
            var path = Path.Length <= 100 ? Path : $"{Path[..80]}…({Path.Length} chars)";
            var what = Label ?? Body?.ToString() ?? "no body";
            return $"{Target.Method} {path} [{AuthorizationLabel}; {what}]";
        }
    }

    private sealed record Outcome(int Status, string? ContentType, byte[] Body, string? Code, string? Failure)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }

    private sealed class Report(int total)
    {
        private readonly ConcurrentDictionary<int, int> statuses = new();

        public ConcurrentBag<string> Failures { get; } = [];

        public string Statuses => string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}×{pair.Value}"));

        public void Count(int status) => statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

        public void AssertClean(ErrorLog errors) =>
            Assert.True(Failures.IsEmpty, $"{Failures.Count} of {total} requests broke the rule (seed {Seed}):\n"
                + string.Join('\n', Failures.Order(StringComparer.Ordinal)) + Logged(errors));
    }
}
