using Microsoft.Net.Http.Headers;

namespace Partner.Api.Problems;

/// <summary>
/// JSON bodies are UTF-8 (RFC 8259). A JSON request declaring another charset is answered 415
/// here, before a body reader fails on an encoding it cannot decode.
/// </summary>
public static class JsonCharsetGuard
{
    public static IApplicationBuilder UseJsonCharsetGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.HasJsonContentType()
                && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
                && mediaType.Charset is { Length: > 0 } charset
                && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                await ProblemAnswers.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, $"JSON request bodies must be UTF-8 (was charset '{charset}').");
                return;
            }

            await next(context);
        });
}
