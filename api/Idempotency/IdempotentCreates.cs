using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Partner.Api.Auth;
using Partner.Idempotency;

namespace Partner.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on the endpoints that create (marked with <see cref="Idempotent{TBuilder}"/>): a retry with the
/// same key and request within the retention gets the first answer again (same status, body, <c>Location</c>); the same key
/// with another request is 422 <c>idempotency-key-reused</c>. Only successful answers are kept: after an error the retry
/// runs again, and creates converge on the same ids because those derive from the key (<see cref="DerivedId"/>).
/// </summary>
public static partial class IdempotentCreates
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 200;

    public static TBuilder Idempotent<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(Marker.Instance);

    public static IApplicationBuilder UseIdempotentCreates(this IApplicationBuilder app) => app.UseMiddleware<Middleware>();

    /// <summary>The key as the request carries it, checked; null without one.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        var key = values.ToString();
        return values.Count == 1 && key.Length is > 0 and <= MaxKeyLength
            ? key
            : throw Errors.Validation(Header, $"An {Header} is one value of 1 to {MaxKeyLength} characters.");
    }

    /// <summary>The id of what a keyed create makes: the same for every retry of it, distinct per user, kind and key.</summary>
    public static Guid DerivedId(Guid userId, string kind, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{userId:N}\n{kind}\n{key}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // version 8 (custom), in the little-endian layout Guid(byte[]) reads
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes);
    }

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }

    private sealed partial class Middleware(RequestDelegate next, IGrainFactory grains, ILogger<Middleware> logger)
    {
        /// <summary>Not async: a request passed on (a hub connection, for its whole life) keeps no frame of it.</summary>
        public Task InvokeAsync(HttpContext http) =>
            http.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null
            && KeyOf(http.Request) is { } key
            && CurrentUser.From(http.User) is { } me
                ? KeyedAsync(http, key, me)
                : next(http);

        private async Task KeyedAsync(HttpContext http, string key, CurrentUser me)
        {
            var fingerprint = await FingerprintAsync(http.Request);
            var keys = grains.GetGrain<IIdempotencyGrain>(me.UserId);
            var claim = await keys.Claim(key, fingerprint);
            switch (claim.Outcome)
            {
                case IdempotencyOutcome.Replay:
                    await ReplayAsync(http.Response, claim.Answer!);
                    return;
                case IdempotencyOutcome.OtherRequest:
                    throw Errors.IdempotencyKeyReused();
                case IdempotencyOutcome.InProgress:
                    throw Errors.IdempotencyKeyInProgress();
            }

            var client = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await next(http);
            }
            catch
            {
                await ReleaseAsync(keys, key);
                throw;
            }
            finally
            {
                http.Response.Body = client;
            }

            if (http.Response.StatusCode is >= 200 and < 300)
            {
                await KeepAsync(keys, key, fingerprint, http.Response, buffer.ToArray());
            }
            else
            {
                await ReleaseAsync(keys, key);
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(client, http.RequestAborted);
        }

        /// <summary>Method, path and body bytes: the same request sent again hashes the same.</summary>
        private static async Task<ImmutableArray<byte>> FingerprintAsync(HttpRequest request)
        {
            request.EnableBuffering();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
            var chunk = new byte[8192];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                hash.AppendData(chunk, 0, read);
            }

            request.Body.Position = 0;
            return [.. hash.GetHashAndReset()];
        }

        private static async Task ReplayAsync(HttpResponse response, StoredAnswer answer)
        {
            response.StatusCode = answer.Status;
            response.ContentType = answer.ContentType;
            if (answer.Location is { } location)
            {
                response.Headers.Location = location;
            }

            if (answer.ETag is { } etag)
            {
                response.Headers.ETag = etag;
            }

            response.Headers[ReplayedHeader] = "true";
            await response.Body.WriteAsync(answer.Body.AsMemory(), response.HttpContext.RequestAborted);
        }

        private async Task KeepAsync(IIdempotencyGrain keys, string key, ImmutableArray<byte> fingerprint, HttpResponse response, byte[] body)
        {
            var answer = new StoredAnswer(response.StatusCode, response.ContentType, response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null, [.. body]);
            try
            {
                await keys.Complete(key, fingerprint, answer);
            }
            catch (Exception ex)
            {
                // The create happened: answer it. A retry runs again and converges on the same ids.
                LogKeepFailed(logger, ex);
                await ReleaseAsync(keys, key);
            }
        }

        private async Task ReleaseAsync(IIdempotencyGrain keys, string key)
        {
            try
            {
                await keys.Release(key);
            }
            catch (Exception ex)
            {
                // The claim lapses by itself.
                LogReleaseFailed(logger, ex);
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "The answer to an idempotent create could not be kept")]
        private static partial void LogKeepFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "An Idempotency-Key could not be released")]
        private static partial void LogReleaseFailed(ILogger logger, Exception exception);
    }
}
