using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Partner.Tests.Api;

namespace Partner.Tests.Security;

/// <summary>What a prober sends that the framework would answer in its own words, or not at all: each gets a problem naming the field.</summary>
public sealed class InputProbes(InputProbes.Api api) : IClassFixture<InputProbes.Api>
{
    private PartnerApiFactory factory => api.Factory;

    private CapturingLoggerProvider logs => api.Logs;

    /// <summary>One API for the class, its log entries captured.</summary>
    public sealed class Api : IAsyncLifetime
    {
        public Api()
        {
            var logs = Logs;
            Factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<ILoggerProvider>(logs) };
        }

        public PartnerApiFactory Factory { get; }

        internal CapturingLoggerProvider Logs { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Theory]
    [InlineData("/api/users/me", HttpStatusCode.Unauthorized, "unauthorized")]
    [InlineData("/api/no-such-thing", HttpStatusCode.NotFound, "not-found")]
    [InlineData("/api/rooms?size=0", HttpStatusCode.BadRequest, "validation")]
    public async Task ProblemsHaveABodyWhateverTheAcceptHeader(string path, HttpStatusCode status, string code)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(code, (await Problem.ReadAsync(response, status)).Code);
    }

    [Theory]
    [InlineData("/api/alarms?afterSeq=abc", "afterSeq")]
    [InlineData("/api/alarms?afterSeq=-1", "afterSeq")]
    [InlineData("/api/alarms?limit=ten", "limit")]
    [InlineData("/api/alarms?limit=0", "limit")]
    [InlineData("/api/users/me/activity-score?from=0001-01-01", "from")]
    [InlineData("/api/users/me/activity-score?to=9999-12-31", "to")]
    [InlineData("/api/users/me/activity-score?from=0001-01-01T00:00:00Z", "from")]
    [InlineData("/api/users/me/activity-score?to=9999-12-31T23:59:59%2B00:00", "to")]
    [InlineData("/api/rooms?date=0001-01-01", "date")]
    public async Task BadQueryValuesAreNamed(string path, string field)
    {
        var alice = await factory.SignInAsync();

        var problem = await Problem.ReadAsync(await alice.Http.GetAsync(path), HttpStatusCode.BadRequest);

        Assert.Equal("validation", problem.Code);
        Assert.Equal([field], problem.Errors.Keys);
    }

    [Theory]
    [InlineData("POST", "/api/rooms")]
    [InlineData("POST", "/api/alarms/read")]
    [InlineData("PATCH", "/api/users/me")]
    public async Task AMissingBodyIsNamedWithoutFrameworkText(string method, string path)
    {
        var alice = await factory.SignInAsync();

        var response = await alice.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains("body", problem.Errors.Keys);
        Assert.DoesNotContain("Implicit body", problem.Raw);
        Assert.DoesNotContain("parameter", problem.Raw);
    }

    [Theory]
    [InlineData("""{"category":"MEAL","title":"Lunch","content":"Eat","date":"2026-12-31","capacity":"4","anonymous":false}""", "capacity")]
    [InlineData("""{"upToSeq":"3"}""", "upToSeq")]
    public async Task NumbersSentAsStringsAreRefused(string body, string field)
    {
        var alice = await factory.SignInAsync();
        var path = field == "upToSeq" ? "/api/alarms/read" : "/api/rooms";

        var response = await alice.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.Errors.Keys);
    }

    [Fact]
    public async Task BodiesLargerThanAnyValidRequestAreRefused()
    {
        var alice = await factory.SignInAsync();
        var huge = $$"""{"category":"MEAL","title":"Lunch","content":"{{new string('x', 70_000)}}","date":"2026-12-31","capacity":4,"anonymous":false}""";

        var response = await alice.Http.PostAsync("/api/rooms", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal("payload-too-large", (await Problem.ReadAsync(response, HttpStatusCode.RequestEntityTooLarge)).Code);
    }

    [Fact]
    public async Task TheChallengeSaysInvalidTokenWithoutTheServersClock()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenForgeries.Expired(Guid.NewGuid()));

        var response = await client.GetAsync("/api/users/me");

        await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter);
        Assert.DoesNotMatch("[0-9]", challenge.Parameter!);
    }

    [Fact]
    public async Task RefusedRequestsAreNotLoggedAsFailures()
    {
        var owner = await factory.SignInAsync();
        var stranger = await factory.SignInAsync();
        var created = await owner.Http.PostAsJsonAsync("/api/rooms", Rooms.RoomRequests.Body(capacity: 2, date: Rooms.RoomRequests.InDays(7)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var room = created.Headers.Location!.OriginalString;
        logs.Clear();

        await Problem.ReadAsync(await owner.Http.DeleteAsync($"{room}/participants/me"), HttpStatusCode.Conflict);
        await Problem.ReadAsync(await stranger.Http.DeleteAsync(room), HttpStatusCode.Forbidden);
        await Problem.ReadAsync(await stranger.Http.GetAsync("/api/alarms?afterSeq=abc"), HttpStatusCode.BadRequest);

        Assert.DoesNotContain(logs.Entries, e => e.Exception is not null || e.Level >= LogLevel.Error);
    }

    internal sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, Exception? Exception, string Message)> Entries { get; } = new();

        public void Clear() => Entries.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue((category, logLevel, exception, formatter(state, exception)));
        }
    }
}
