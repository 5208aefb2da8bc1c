using Microsoft.AspNetCore.Mvc;

namespace Partner.Api.Problems;

/// <summary>Problem answers written by middleware that refuses a request before any endpoint runs.</summary>
public static class ProblemAnswers
{
    /// <summary>Sets <paramref name="status"/> and writes its problem; the code comes from the status table.</summary>
    public static Task WriteAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail },
        }).AsTask();
    }
}
