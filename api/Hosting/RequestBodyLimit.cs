using Microsoft.AspNetCore.Http.Features;
using Partner.Api.Problems;

namespace Partner.Api.Hosting;

/// <summary>Request bodies are bounded by what the largest valid request needs (a room: ~14 KB of escaped JSON), not by the server's 30 MB default.</summary>
public static class RequestBodyLimit
{
    public const long MaxBytes = 64 * 1024;

    /// <summary>Not an async lambda: a request passed on (a hub connection, for its whole life) keeps no frame of it.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBytes;
            }

            // Refused before anything reads it; a body without a declared length is cut by the server's limit above.
            return context.Request.ContentLength > MaxBytes
                ? ProblemAnswers.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"Request bodies are at most {MaxBytes} bytes.")
                : next(context);
        });
}
