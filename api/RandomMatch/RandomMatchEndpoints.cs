using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Partner.Api.Auth;
using Partner.Api.Hosting;
using Partner.RandomMatch;

namespace Partner.Api.RandomMatch;

public static partial class RandomMatchEndpoints
{
    /// <summary>Optional request header: a retried PUT with the same key returns the ticket the first attempt created, never a second one; other conditions under the same key are 422.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    public static RouteGroupBuilder MapRandomMatch(this IEndpointRouteBuilder app)
    {
        var queues = app.MapGroup("/api/random-match/{category}").WithTags("Random match");
        queues.MapGet("", Get).WithSummary("How many tickets wait, and (with a token) your latest ticket in the category.");
        queues.MapPut("/ticket", Enqueue).RequireActiveUser().WithSummary("Waits for a random group: 201 when created (possibly matched at once), 200 when the same conditions already wait.");
        queues.MapDelete("/ticket", Cancel).RequireActiveUser().WithSummary("Cancels your waiting ticket; 404 when none waits.");
        return queues;
    }

    private static async Task<Ok<QueueDto>> Get(string category, ClaimsPrincipal user, IGrainFactory grains)
    {
        var queue = await Queue(grains, category).Get(CurrentUser.From(user)?.UserId);
        return TypedResults.Ok(new QueueDto(queue.Category, queue.WaitingCount, queue.Ticket is { } ticket ? TicketDto.From(ticket) : null));
    }

    private static async Task<Results<Created<TicketDto>, Ok<TicketDto>>> Enqueue(
        string category,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] TicketRequest? request,
        [FromHeader(Name = IdempotencyKey)] string? idempotencyKey,
        CurrentUser me,
        IGrainFactory grains)
    {
        if (idempotencyKey is { Length: > 200 })
        {
            throw Errors.Validation(IdempotencyKey, "An Idempotency-Key has at most 200 characters.");
        }

        var conditions = request?.ToConditions() ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        var result = await grains.GetGrain<IRandomMatchFrontGrain>(QueueKey(category)).Enqueue(me.Actor, conditions, idempotencyKey);
        var ticket = TicketDto.From(result.Ticket);
        return result.Created ? TypedResults.Created($"/api/random-match/{ticket.Category}", ticket) : TypedResults.Ok(ticket);
    }

    private static async Task<NoContent> Cancel(string category, CurrentUser me, IGrainFactory grains)
    {
        await Queue(grains, category).Cancel(me.UserId);
        return TypedResults.NoContent();
    }

    private static IRandomMatchQueueGrain Queue(IGrainFactory grains, string category) => grains.GetGrain<IRandomMatchQueueGrain>(QueueKey(category));

    // Categories are UPPER_CASE in the catalog and case-insensitive on input; one spelling, one queue.
    // A name that cannot be a category is refused here, without activating a grain for it.
    private static string QueueKey(string category) =>
        category.Length <= 64 && CategoryName().IsMatch(category)
            ? category.ToUpperInvariant()
            : throw Errors.Validation("category", "A category is a catalog name such as MEAL or STUDY.");

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex CategoryName();
}

public sealed record TicketRequest(Dictionary<string, string[]?>? Conditions)
{
    public ImmutableDictionary<string, ImmutableArray<string>> ToConditions() =>
        (Conditions ?? []).ToImmutableDictionary(pair => pair.Key, pair => pair.Value is null ? ImmutableArray<string>.Empty : [.. pair.Value]);
}

public sealed record TicketDto(
    string Category,
    IReadOnlyDictionary<string, ImmutableArray<string>> Conditions,
    TicketStatus Status,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset ExpiresAt,
    Guid? MatchId,
    int? CompatibleWaiting,
    int? EstimatedWaitSeconds)
{
    public static TicketDto From(TicketView t) =>
        new(t.Category, t.Conditions, t.Status, t.EnqueuedAt, t.ExpiresAt, t.MatchId, t.CompatibleWaiting, t.EstimatedWaitSeconds);
}

public sealed record QueueDto(string Category, int WaitingCount, TicketDto? Ticket);
