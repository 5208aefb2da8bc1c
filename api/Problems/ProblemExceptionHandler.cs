using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Partner.Api.Problems;

/// <summary>Turns every exception that reaches the pipeline into problem details; never leaks a stack trace.</summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            DomainException domain => FromDomain(domain),
            BadHttpRequestException badRequest => FromBadRequest(badRequest),
            _ when Causes(exception).Any(e => e is StorageUnavailableException) =>
                Problem(StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable", "The database did not answer; nothing was written. Retry shortly.", ErrorCodes.Unavailable),
            _ when Causes(exception).Any(e => e is TimeoutException) =>
                Problem(StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable", "The cluster did not answer in time; the change may or may not have been applied. Retrying is safe: joins and leaves are idempotent, creates take an Idempotency-Key.", ErrorCodes.Unavailable),
            _ when Causes(exception).Any(e => e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException) =>
                Problem(StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable", "The cluster did not answer in time; retry shortly.", ErrorCodes.Unavailable),
            _ => null,
        };

        if (problem is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = Problem(StatusCodes.Status500InternalServerError, "An unexpected error occurred", null, ErrorCodes.Internal);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // An outage's line, found by the traceId the client was given; the cause's type names it, a stack trace per request would drown it.
            LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, string.Join(" <- ", Causes(exception).Select(e => e.GetType().Name)));
            httpContext.Response.Headers.RetryAfter = "1";
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>The exception and what it wraps: Orleans reports a storage failure at activation inside its own exception.</summary>
    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private static ProblemDetails FromDomain(DomainException exception)
    {
        var status = ErrorStatus.For(exception.Code);
        if (exception.FieldErrors is { } fields)
        {
            return new HttpValidationProblemDetails(fields.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()))
            {
                Status = status,
                Title = "One or more validation errors occurred.",
                Detail = exception.Message,
                Extensions = { ["code"] = exception.Code },
            };
        }

        return Problem(status, ReasonPhrases.GetReasonPhrase(status), exception.Message, exception.Code);
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            var field = JsonField(json.Path);
            return Invalid(field, field == "body" ? "The request body is not valid JSON." : $"The value of '{field}' is not valid.");
        }

        if (exception.StatusCode != StatusCodes.Status400BadRequest)
        {
            return Problem(exception.StatusCode, ReasonPhrases.GetReasonPhrase(exception.StatusCode), null, ErrorStatus.CodeFor(exception.StatusCode));
        }

        // The framework's binding messages name the parameter ("Failed to bind parameter \"Int64 afterSeq\" from \"abc\"."):
        // answer with the field alone, never with the framework's text.
        var parameter = BoundParameter().Match(exception.Message);
        if (!parameter.Success || exception.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("body", "A JSON request body is required.");
        }

        var name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups["name"].Value);
        return Invalid(name, $"The value of '{name}' is not valid.");
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] })
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request is invalid.",
    };

    [GeneratedRegex("parameter \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex BoundParameter();

    /// <summary>"$.conditions.place[0]" → "conditions.place[0]"; the body itself is "body".</summary>
    private static string JsonField(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static ProblemDetails Problem(int status, string title, string? detail, string code) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Extensions = { ["code"] = code },
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 503 on {Method} {Path}: {Cause}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string cause);
}
