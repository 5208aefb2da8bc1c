using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Partner.Api.Auth;
using Partner.Users;
using Xunit.Abstractions;

namespace Partner.Tests.Api;

/// <summary>
/// "No 5xx is reachable from any input": every endpoint the application maps, given garbage paths,
/// tokens, bodies, content types, cookies and query strings, answers below 500, and every 4xx with a
/// body is problem details carrying <c>status</c> and <c>code</c>.
/// </summary>
public sealed class GarbageInput(PartnerApiFactory factory, ITestOutputHelper output) : IClassFixture<PartnerApiFactory>
{
    private const string ProblemJson = "application/problem+json";
    private const int Parallelism = 8;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    // The hub's transport endpoints speak SignalR's protocol, not problem details: Live/HubPushes sends them garbage.
    // /dashboard is Orleans' dashboard (its own code, long-polling /Trace): covered by the operations tests, not probed here.
    private static readonly string[] SkippedPrefixes = ["/test", "/scalar", "/openapi", "/health", "/hubs", "/dashboard"];
    private static readonly string BigString = new('a', 200 * 1024);

    private static readonly (string Label, string Value)[] GarbageSegments =
    [
        ("not-a-guid", "not-a-guid"),
        // Not %00: TestServer cannot build a request whose path decodes to NUL (Kestrel answers 400 before the application).
        ("%25", "%25"),
        ("%FF", "%FF"),
        ("invalid UTF-8 %C3%28", "%C3%28"),
        ("5000 chars", new string('z', 5000)),
    ];

    private static readonly GarbageCase[] BodyCases =
    [
        new("no body"),
        Json("empty json", ""),
        Json("{", "{"),
        Json("[]", "[]"),
        Json("null", "null"),
        Json("\"text\"", "\"text\""),
        Json("123", "123"),
        Json("{}", "{}"),
        Json("{login:123}", """{"login":123}"""),
        Json("{email:[x]}", """{"email":["x"]}"""),
        Json("{refreshToken:{}}", """{"refreshToken":{}}"""),
        Json("all fields null", """{"login":null,"email":null,"refreshToken":null,"upToSeq":null}"""),
        Json("all fields invalid", """{"login":"bad login!","email":"not-an-email","refreshToken":"garbage","upToSeq":-1}"""),
        Json("{upToSeq:\"1\"}", """{"upToSeq":"1"}"""),
        Json("conditions of wrong shapes", """{"conditions":{"place":"GAEPO","timeOfEating":[1,{}],"wayOfEating":null}}"""),
        Json("conditions with null and unknown values", """{"conditions":{"place":[null,"JEJU"],"PLACE":["GAEPO"],"":[""]}}"""),
        Json("conditions as an array", """{"conditions":[["place","GAEPO"]]}"""),
        Json("{upToSeq:1e400}", """{"upToSeq":1e400}"""),
        Json("well-shaped unknown refresh token", $$"""{"refreshToken":"{{RandomRefreshToken()}}"}"""),
        Json("200 KB string", $"\"{BigString}\""),
        Json("200 KB field values", $$"""{"login":"{{BigString}}","email":"{{BigString}}","refreshToken":"{{BigString}}"}"""),
        Json("2000-deep arrays", new string('[', 2000) + new string(']', 2000)),
        Bytes("invalid UTF-8", "application/json", [0xC3, 0x28, 0xFF, 0xFE, 0x80]),
        Bytes("invalid UTF-8 in a string", "application/json", [.. "{\"login\":\""u8, 0xC3, 0x28, 0xFF, .. "\",\"refreshToken\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8]),
        Bytes("text/plain", "text/plain", """{"login":"garbage-text"}"""u8.ToArray()),
        Bytes("application/xml", "application/xml", "<login>garbage</login>"u8.ToArray()),
        Bytes("no content type", null, """{"login":"garbage-none","refreshToken":"x"}"""u8.ToArray()),
        Bytes("json with unknown charset", "application/json; charset=bogus", """{"login":"garbage-charset","refreshToken":"x"}"""u8.ToArray()),
        Bytes("json declared utf-16, sent utf-8", "application/json; charset=utf-16", """{"login":"garbage-utf16","refreshToken":"x"}"""u8.ToArray()),
        new("?returnUrl=//evil.example") { Query = "?returnUrl=//evil.example" },
        new("?returnUrl=javascript:alert(1)") { Query = "?returnUrl=javascript:alert(1)" },
        new("?page=-1&size=999999") { Query = "?page=-1&size=999999" },
        new("?afterSeq=-1&limit=999999") { Query = "?afterSeq=-1&limit=999999" },
        new("?afterSeq=99999999999999999999&limit=x") { Query = "?afterSeq=99999999999999999999&limit=x" },
        new("?code&state garbage") { Query = "?code=garbage&state=garbage" },
        new("?error=access_denied&state=5000 chars") { Query = "?error=access_denied&error_description=%00&state=" + new string('s', 5000) },
    ];

    /// <summary>Cookies only matter to the refresh-token readers; sent without a bearer token so the cookie is what counts.</summary>
    private static readonly GarbageCase[] CookieCases =
    [
        new("refresh cookie garbage") { Cookie = "partner_refresh=garbage" },
        new("refresh cookie well-shaped unknown") { Cookie = "partner_refresh=" + RandomRefreshToken() },
        new("refresh cookie 5000 chars") { Cookie = "partner_refresh=" + new string('c', 5000) },
    ];

    [Fact]
    public async Task NoInputReachesA5xx()
    {
        var stopwatch = Stopwatch.StartNew();
        var errors = new ErrorLog();
        await using var garbage = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
                ["Partner:RateLimits:Auth:PermitLimit"] = "100000",
                ["Partner:RateLimits:Writes:PermitLimit"] = "100000",
                // Configured so the OAuth handler owns the callback path; the base URL is never contacted by these requests.
                ["Auth:Intra:ClientId"] = "garbage-client",
                ["Auth:Intra:ClientSecret"] = "garbage-secret",
                ["Auth:Intra:BaseUrl"] = "http://127.0.0.1:9",
                // Every forged callback logs a warning; errors are still captured below.
                ["Logging:LogLevel:Partner.Api.Auth"] = "Error",
            },
        };
        await using var app = garbage.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(errors)));
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.Timeout = RequestTimeout;

        var targets = Discover(app.Services.GetRequiredService<EndpointDataSource>());
        Assert.Contains(targets, t => t.Method == "POST" && Render(t.Pattern, Valid) == "/api/auth/dev-login");
        Assert.Contains(targets, t => t.Method == "GET" && Render(t.Pattern, Valid) == "/api/categories");
        Assert.Contains(targets, t => t.Method == "POST" && Render(t.Pattern, Valid) == "/api/alarms/read");
        var startedAt = stopwatch.Elapsed;

        var probes = Probes(targets).ToArray();
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var logins = 0;
        await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (probe, cancellation) =>
        {
            var failure = await SendAsync(client, probe, () => Interlocked.Increment(ref logins), status => statuses.AddOrUpdate(status, 1, (_, n) => n + 1), cancellation);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        });

        output.WriteLine($"{targets.Count} endpoint methods ({string.Join(", ", targets.Select(t => $"{t.Method} {t.Pattern.RawText}"))}); "
            + $"{probes.Length} garbage requests and {logins} dev logins in {(stopwatch.Elapsed - startedAt).TotalSeconds:F1} s after a {startedAt.TotalSeconds:F1} s start; "
            + $"statuses {string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}×{pair.Value}"))}.");
        var logged = errors.Distinct();
        Assert.True(failures.IsEmpty, $"{failures.Count} of {probes.Length} garbage requests broke the rule:\n"
            + string.Join('\n', failures.Order(StringComparer.Ordinal))
            + (logged.Count == 0 ? "" : "\nErrors logged by the server:\n" + string.Join('\n', logged)));
    }

    [Fact]
    public async Task RateLimitedAuthAnswerIsProblemDetailsNotA5xx()
    {
        // The fixture lifts the limits for other tests; these are the product defaults (RateLimits.AddPartnerRateLimits).
        await using var defaults = factory.WithWebHostBuilder(builder => builder
            .UseSetting("Partner:RateLimits:Auth:PermitLimit", "30")
            .UseSetting("Partner:RateLimits:Writes:PermitLimit", "300"));
        using var client = defaults.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var responses = new List<HttpResponseMessage>();
        while (responses.Count < 1000 && responses.LastOrDefault()?.StatusCode != HttpStatusCode.TooManyRequests)
        {
            responses.Add(await client.PostAsync("/api/auth/refresh", content: null));
        }

        output.WriteLine($"first 429 after {responses.Count - 1} answers");

        Assert.All(responses, response => Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}"));
        var limited = responses.FirstOrDefault(response => response.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited);
        var problem = await Problem.ReadAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Equal("rate-limited", problem.Code);
        Assert.NotNull(limited.Headers.RetryAfter);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private static List<Target> Discover(EndpointDataSource source)
    {
        var targets = source.Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => !SkippedPrefixes.Any(prefix => Render(endpoint.RoutePattern, Valid).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"])
                .Select(method => new Target(method, endpoint.RoutePattern)))
            .Append(new Target("GET", RoutePatternFactory.Parse("/api/auth/callback/42")));
        return [.. targets.DistinctBy(target => (target.Method, Render(target.Pattern, Valid)))];
    }

    private static IEnumerable<Probe> Probes(IEnumerable<Target> targets)
    {
        (string Label, string? Value)[] authorizations =
        [
            ("no token", null),
            ("'Bearer abc.def.ghi'", "Bearer abc.def.ghi"),
            ("garbage token of 3000 chars", "Bearer " + RandomChars(3000)),
            ("valid token", Probe.ValidToken),
            // The development signing key is public: a signed token with claims no server ever issued is reachable input.
            ("signed token of an unknown user", "Bearer " + SignedToken(Guid.NewGuid().ToString())),
            ("signed token with sub 'not-a-guid'", "Bearer " + SignedToken("not-a-guid")),
        ];
        foreach (var target in targets)
        {
            foreach (var (pathLabel, path) in Paths(target.Pattern))
            {
                foreach (var authorization in authorizations)
                {
                    foreach (var body in BodyCases)
                    {
                        yield return new Probe(target.Method, pathLabel, path, authorization.Label, authorization.Value, body);
                    }
                }

                foreach (var cookie in CookieCases)
                {
                    yield return new Probe(target.Method, pathLabel, path, "no token", null, cookie);
                }

                var other = target.Method == "PUT" ? "TRACE" : "PUT";
                yield return new Probe(other, pathLabel, path, "no token", null, Json("unmapped method", "{}"));
            }
        }
    }

    private static IEnumerable<(string Label, string Path)> Paths(RoutePattern pattern)
    {
        yield return (pattern.Parameters.Count == 0 ? "" : "valid-looking ids", Render(pattern, Valid));
        if (pattern.Parameters.Count > 0)
        {
            foreach (var (label, value) in GarbageSegments)
            {
                yield return (label, Render(pattern, _ => value));
            }
        }
    }

    private static string Render(RoutePattern pattern, Func<RoutePatternParameterPart, string> value) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => value(parameter),
            _ => "",
        }))));

    private static string Valid(RoutePatternParameterPart parameter)
    {
        var constraints = parameter.ParameterPolicies.Select(policy => policy.Content ?? "").ToArray();
        return constraints.Any(c => c is "int" or "long" or "decimal" or "double" or "float") ? RandomNumberGenerator.GetInt32(1, 1_000_000).ToString(CultureInfo.InvariantCulture)
            : constraints.Contains("bool") ? "true"
            : parameter.Name == "category" ? "MEAL"
            : Guid.NewGuid().ToString();
    }

    private static async Task<string?> SendAsync(HttpClient client, Probe probe, Func<int> nextLogin, Action<int> answered, CancellationToken cancellation)
    {
        var authorization = probe.Authorization;
        try
        {
            if (authorization == Probe.ValidToken)
            {
                var login = $"garbage-{nextLogin()}";
                using var signIn = await client.PostAsync("/api/auth/dev-login", new StringContent($$"""{"login":"{{login}}"}""", Encoding.UTF8, "application/json"), cancellation);
                var signedIn = await signIn.Content.ReadAsStringAsync(cancellation);
                if (signIn.StatusCode != HttpStatusCode.OK)
                {
                    return $"{probe}: dev login of {login} for a valid token answered {(int)signIn.StatusCode}: {Excerpt(signedIn)}";
                }

                using var json = JsonDocument.Parse(signedIn);
                authorization = "Bearer " + json.RootElement.GetProperty("accessToken").GetString();
            }

            using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path + probe.Case.Query) { Content = probe.Case.Body?.Invoke() };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (probe.Case.Cookie is { } cookie)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }

            using var response = await client.SendAsync(request, cancellation);
            var body = await response.Content.ReadAsByteArrayAsync(cancellation);
            answered((int)response.StatusCode);
            return Violation(response, body) is { } violation
                ? $"{probe} → {(int)response.StatusCode} {response.Content.Headers.ContentType}: {violation}: {Excerpt(Encoding.UTF8.GetString(body))}"
                : null;
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"{probe} → no answer within {RequestTimeout.TotalSeconds} s";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"{probe} → threw {ex.GetType().Name}: {Excerpt(ex.Message)}";
        }
    }

    private static string? Violation(HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return "server error";
        }

        if (status < 400 || body.Length == 0)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != ProblemJson)
        {
            return $"a {status} with a body that is not {ProblemJson}";
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "problem details that are not a JSON object";
            }

            if (!root.TryGetProperty("status", out var statusField) || statusField.ValueKind != JsonValueKind.Number || statusField.GetInt32() != status)
            {
                return $"problem details without \"status\": {status}";
            }

            return root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() is { Length: > 0 }
                ? null
                : "problem details without a \"code\"";
        }
        catch (JsonException)
        {
            return "problem details that are not JSON";
        }
    }

    private static GarbageCase Json(string label, string json) => Bytes(label, "application/json", Encoding.UTF8.GetBytes(json));

    private static GarbageCase Bytes(string label, string? contentType, byte[] bytes) => new(label)
    {
        Body = () =>
        {
            var content = new ByteArrayContent(bytes);
            if (contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            return content;
        },
    };

    private static string SignedToken(string subject)
    {
        var jwt = new JwtSettings();
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(SessionIssuer.SigningKey(jwt), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [PartnerClaims.Subject] = subject,
                [PartnerClaims.Session] = "not-a-guid",
                [PartnerClaims.Role] = new[] { UserRoles.Admin, "garbage" },
            },
        });
    }

    private static string RandomChars(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=", length);

    private static string RandomRefreshToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(64));

    private static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed record Target(string Method, RoutePattern Pattern);

    private sealed record GarbageCase(string Label)
    {
        public Func<HttpContent>? Body { get; init; }

        public string Query { get; init; } = "";

        public string? Cookie { get; init; }
    }

    private sealed record Probe(string Method, string PathLabel, string Path, string AuthorizationLabel, string? Authorization, GarbageCase Case)
    {
        public const string ValidToken = "<valid token>";

        public override string ToString()
        {
            var path = Path.Length <= 80 ? Path : $"{Path[..60]}…({Path.Length} chars)";
            var where = PathLabel.Length == 0 ? "" : $" ({PathLabel})";
            return $"{Method} {path}{where} [{AuthorizationLabel}; {Case.Label}]";
        }
    }
}
