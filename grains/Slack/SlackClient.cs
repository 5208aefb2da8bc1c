using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Partner.Slack;

/// <summary>Slack refused a call (<c>ok:false</c>) or answered an HTTP error that the resilience pipeline did not overcome.</summary>
public sealed class SlackException(string method, string error, bool transient)
    : Exception($"Slack {method} failed: {error}")
{
    public string Method { get; } = method;

    /// <summary>Slack's error code (<c>channel_not_found</c>), or <c>http_{status}</c>.</summary>
    public string Error { get; } = error;

    /// <summary>Worth trying again later (rate limits, Slack's own failures); otherwise the request can never succeed as is.</summary>
    public bool IsTransient { get; } = transient;
}

/// <summary>The few Slack Web API methods Partner calls. A typed client: its handler chain retries with backoff, honours Retry-After, times out and breaks the circuit.</summary>
public sealed class SlackClient(HttpClient http, IOptions<SlackOptions> options)
{
    // Slack's own failures answered as ok:false; everything else (invalid_auth, channel_not_found, …) will not change on a retry.
    private static readonly HashSet<string> TransientErrors = ["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

    /// <summary>The member's Slack user id, or null when no Slack user has that address.</summary>
    public async Task<string?> LookupUserIdByEmailAsync(string email, CancellationToken cancellationToken)
    {
        // users.lookupByEmail takes form arguments only.
        using var content = new FormUrlEncodedContent([KeyValuePair.Create("email", email)]);
        var answer = await CallAsync("users.lookupByEmail", content, cancellationToken, tolerated: "users_not_found");
        return answer.TryGetProperty("user", out var user) ? user.GetProperty("id").GetString() : null;
    }

    /// <summary>Opens (or finds) the direct message with these users; returns its channel id.</summary>
    public async Task<string> OpenConversationAsync(IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(new { users = string.Join(',', userIds) });
        var answer = await CallAsync("conversations.open", content, cancellationToken);
        return answer.GetProperty("channel").GetProperty("id").GetString()!;
    }

    public async Task PostMessageAsync(string channel, string text, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(new { channel, text });
        await CallAsync("chat.postMessage", content, cancellationToken);
    }

    private async Task<JsonElement> CallAsync(string method, HttpContent content, CancellationToken cancellationToken, string? tolerated = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.BotToken);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            throw new SlackException(method, $"http_{(int)status}", status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
        {
            return body;
        }

        var error = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var code) && code.ValueKind == JsonValueKind.String
            ? code.GetString()!
            : "malformed_answer";
        return error == tolerated ? body : throw new SlackException(method, error, TransientErrors.Contains(error));
    }
}
