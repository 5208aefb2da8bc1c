using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Partner.Api.Live;

namespace Partner.Api.Problems;

public static class ProblemDetailsSetup
{
    /// <summary>Every error answers application/problem+json with a stable <c>code</c> and, for validation, camelCase field keys.</summary>
    public static IHostApplicationBuilder AddPartnerProblemDetails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem is HttpValidationProblemDetails validation)
            {
                var naming = context.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.PropertyNamingPolicy;
                validation.Errors = validation.Errors.ToDictionary(
                    pair => CamelCasePath(pair.Key, naming),
                    pair => pair.Value);
                // A domain error with field errors (e.g. match.review-target-invalid) keeps its own code.
                problem.Extensions.TryAdd("code", ErrorCodes.Validation);
            }

            problem.Extensions.TryAdd("code", ErrorStatus.CodeFor(status));
            // The W3C trace id alone, as every log line of the request carries it (the framework puts the whole traceparent here).
            problem.Extensions["traceId"] = Activity.Current is { } activity ? activity.TraceId.ToHexString() : context.HttpContext.TraceIdentifier;
        });
        // After the framework's writer, which declines when Accept names no JSON type.
        builder.Services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemWriter>();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// Problem bodies for error statuses answered without one, except on a hub connection's transport request: it lasts as
    /// long as the connection, which would hold the middleware for its whole life, and its errors come from SignalR (with
    /// a body) or the auth challenge (401, <c>WWW-Authenticate</c>) to a client that reads no body. Negotiate keeps them.
    /// </summary>
    public static IApplicationBuilder UsePartnerStatusCodePages(this IApplicationBuilder app) =>
        app.UseWhen(context => !LiveSetup.IsHubTransport(context.Request), pages => pages.UseStatusCodePages());

    /// <summary>"Conditions.Place" → "conditions.place", the JSON names clients send; header names ("Idempotency-Key") stay as they are.</summary>
    internal static string CamelCasePath(string path, JsonNamingPolicy? naming) =>
        naming is null || path.Contains('-', StringComparison.Ordinal) ? path : string.Join('.', path.Split('.').Select(naming.ConvertName));
}
