using Microsoft.Net.Http.Headers;

namespace Partner.Api.Problems;

/// <summary>
/// JSON bodies are UTF-8 (RFC 8259). A JSON request declaring another charset is answered 415
/// here, before a body reader fails on an encoding it cannot decode.
/// </summary>
public static class JsonCharsetGuard
{
    /// <summary>Not an async lambda: a request passed on (a hub connection, for its whole life) keeps no frame of it.</summary>
    public static IApplicationBuilder UseJsonCharsetGuard(this IApplicationBuilder app) =>
        app.Use((context, next) =>
            context.Request.HasJsonContentType()
            && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            && mediaType.Charset is { Length: > 0 } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                ? ProblemAnswers.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, $"JSON request bodies must be UTF-8 (was charset '{charset}').")
                : next(context));
}
