using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Partner.Tests.Slack;

/// <summary>One request the stand-in received: the Web API method, its arguments (form or JSON), and what it answered.</summary>
public sealed record SlackRequest(string Method, IReadOnlyDictionary<string, string> Args, string? Authorization, DateTimeOffset At, int Status, string? Error);

/// <summary>A scripted answer: an HTTP status (with <c>Retry-After</c> seconds for 429), or <c>ok:false</c> with an error code.</summary>
public sealed record FakeSlackAnswer(int Status, string? Error = null, int? RetryAfterSeconds = null)
{
    public static FakeSlackAnswer RateLimited(int retryAfterSeconds) => new(StatusCodes.Status429TooManyRequests, RetryAfterSeconds: retryAfterSeconds);

    public static FakeSlackAnswer ServerError() => new(StatusCodes.Status500InternalServerError);

    public static FakeSlackAnswer Refused(string error) => new(StatusCodes.Status200OK, error);
}

/// <summary>
/// A local stand-in for the Slack Web API (<c>users.lookupByEmail</c>, <c>conversations.open</c>, <c>chat.postMessage</c>
/// under <c>{BaseUrl}</c>), served by Kestrel on 127.0.0.1 and a free port. It records every request, can answer
/// scripted failures per method, and can hold every request until released (a slow Slack).
/// </summary>
public sealed class FakeSlackServer : IAsyncDisposable
{
    public const string Token = "xoxb-test-token";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeSlackAnswer>> scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeSlackAnswer> sticky = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SlackRequest> requests = new();
    private readonly ConcurrentQueue<(string Channel, string Text)> posts = new();
    private TaskCompletionSource release = Completed();
    private int held;

    private FakeSlackServer()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        app = builder.Build();
        app.MapPost("/api/{method}", (Delegate)HandleAsync);
    }

    /// <summary>The Web API root, e.g. <c>http://127.0.0.1:41234/api/</c>: use it as <c>Slack:BaseUrl</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public IReadOnlyList<SlackRequest> Requests => [.. requests];

    /// <summary>Messages accepted by <c>chat.postMessage</c>.</summary>
    public IReadOnlyList<(string Channel, string Text)> Posts => [.. posts];

    /// <summary>Requests waiting in <see cref="Hold"/>.</summary>
    public int Held => Volatile.Read(ref held);

    /// <summary>The members of each opened conversation, by channel id.</summary>
    public IReadOnlyDictionary<string, string> Channels => channels;

    public static async Task<FakeSlackServer> StartAsync()
    {
        var server = new FakeSlackServer();
        await server.app.StartAsync();
        var address = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/') + "/api/";
        return server;
    }

    /// <summary>Makes <paramref name="email"/> a Slack user; returns its Slack user id.</summary>
    public string AddUser(string email) => users.GetOrAdd(email, _ => "U" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant());

    /// <summary>The next calls of <paramref name="method"/> get these answers, one each, before normal service resumes.</summary>
    public void Script(string method, params FakeSlackAnswer[] answers)
    {
        var queue = scripts.GetOrAdd(method, _ => new ConcurrentQueue<FakeSlackAnswer>());
        foreach (var answer in answers)
        {
            queue.Enqueue(answer);
        }
    }

    /// <summary>Every call of <paramref name="method"/> gets <paramref name="answer"/> until set to null.</summary>
    public void Always(string method, FakeSlackAnswer? answer)
    {
        if (answer is null)
        {
            sticky.TryRemove(method, out _);
        }
        else
        {
            sticky[method] = answer;
        }
    }

    /// <summary>Holds every request from now on until <see cref="Release"/>.</summary>
    public void Hold() => release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => release.TrySetResult();

    public IReadOnlyList<SlackRequest> CallsOf(string method) => [.. requests.Where(r => r.Method == method)];

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="timeout"/> (default 20 s).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpContext context, string method)
    {
        var args = await ReadArgsAsync(context.Request);
        var authorization = (string?)context.Request.Headers.Authorization;
        Interlocked.Increment(ref held);
        try
        {
            await release.Task.WaitAsync(context.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref held);
        }

        var answer = Answer(method, args, authorization);
        requests.Enqueue(new SlackRequest(method, args, authorization, DateTimeOffset.UtcNow, answer.Status, answer.Error));
        if (answer.Status != StatusCodes.Status200OK)
        {
            if (answer.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Results.Text("simulated Slack failure", "text/plain", statusCode: answer.Status);
        }

        if (answer.Error is { } error)
        {
            return Results.Json(new { ok = false, error });
        }

        return method switch
        {
            "users.lookupByEmail" => Results.Json(new { ok = true, user = new { id = users[args["email"]] } }),
            "conversations.open" => Results.Json(new { ok = true, channel = new { id = Open(args["users"]) } }),
            "chat.postMessage" => Posted(args["channel"], args["text"]),
            _ => Results.Json(new { ok = false, error = "unknown_method" }),
        };
    }

    private FakeSlackAnswer Answer(string method, Dictionary<string, string> args, string? authorization)
    {
        if (authorization != "Bearer " + Token)
        {
            return FakeSlackAnswer.Refused("invalid_auth");
        }

        if (scripts.TryGetValue(method, out var queue) && queue.TryDequeue(out var scripted))
        {
            return scripted;
        }

        if (sticky.TryGetValue(method, out var always))
        {
            return always;
        }

        return method switch
        {
            "users.lookupByEmail" when !args.TryGetValue("email", out var email) || !users.ContainsKey(email) => FakeSlackAnswer.Refused("users_not_found"),
            "conversations.open" when !args.TryGetValue("users", out var ids) || ids.Length == 0 => FakeSlackAnswer.Refused("users_list_not_supplied"),
            "chat.postMessage" when !args.TryGetValue("channel", out var channel) || !channels.ContainsKey(channel) => FakeSlackAnswer.Refused("channel_not_found"),
            "chat.postMessage" when !args.TryGetValue("text", out var text) || text.Length == 0 => FakeSlackAnswer.Refused("no_text"),
            _ => new FakeSlackAnswer(StatusCodes.Status200OK),
        };
    }

    private string Open(string userIds)
    {
        var channel = "G" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(userIds)))[..10];
        channels[channel] = userIds;
        return channel;
    }

    private IResult Posted(string channel, string text)
    {
        posts.Enqueue((channel, text));
        return Results.Json(new { ok = true, channel, ts = "1700000000.000100" });
    }

    private static async Task<Dictionary<string, string>> ReadArgsAsync(HttpRequest request)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            foreach (var (key, value) in await request.ReadFormAsync())
            {
                args[key] = value.ToString();
            }
        }
        else if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            foreach (var property in body.RootElement.EnumerateObject())
            {
                args[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        return args;
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
