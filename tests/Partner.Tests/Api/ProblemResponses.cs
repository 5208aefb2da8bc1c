using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Partner.Tests.Api;

public sealed class ProblemResponses(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task UnknownRouteIs404ProblemDetails()
    {
        var response = await factory.CreateClient().GetAsync("/api/no-such-thing");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("not-found", problem.Code);
    }

    [Fact]
    public async Task MalformedJsonIs400NamingTheBody()
    {
        var response = await factory.CreateClient().PostAsync("/test/echo", new StringContent("{\"capacity\": 3,", Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.NotEmpty(problem.Errors);
    }

    [Fact]
    public async Task WrongTypeIs400NamingTheField()
    {
        var response = await factory.CreateClient().PostAsync("/test/echo", new StringContent("""{"capacity": "many", "title": "x"}""", Encoding.UTF8, "application/json"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.Contains("capacity", problem.Errors.Keys);
    }

    [Fact]
    public async Task WellFormedJsonIsAccepted()
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/test/echo", new { capacity = 3, title = "lunch" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnhandledExceptionIs500WithoutDetails()
    {
        var response = await factory.CreateClient().GetAsync("/test/throw");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal("internal", problem.Code);
        Assert.DoesNotContain("secret internal detail", problem.Raw);
        Assert.DoesNotContain("InvalidOperationException", problem.Raw);
    }
}

public sealed class ProblemResponsesInProduction : IAsyncLifetime
{
    private readonly PartnerApiFactory factory = new() { Environment = "Production" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task UnhandledExceptionHidesStackTrace()
    {
        var response = await factory.CreateClient().GetAsync("/test/throw");

        var problem = await Problem.ReadAsync(response, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain("secret internal detail", problem.Raw);
        Assert.DoesNotContain(" at ", problem.Raw);
    }
}

/// <summary>A problem-details response as a client sees it.</summary>
public sealed record Problem(string Raw, string? Code, IReadOnlyDictionary<string, string[]> Errors)
{
    public static async Task<Problem> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {raw}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(raw);
        Assert.Equal((int)expected, json.RootElement.GetProperty("status").GetInt32());
        var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        var errors = json.RootElement.TryGetProperty("errors", out var e)
            ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToArray())
            : new Dictionary<string, string[]>();
        return new Problem(raw, code, errors);
    }
}
