
namespace Partner.Api.Problems;

/// <summary>The one table from a contract error code to its HTTP status.</summary>
public static class ErrorStatus
{
    private static readonly Dictionary<string, int> Statuses = new(StringComparer.Ordinal)
    {
        [ErrorCodes.Validation] = StatusCodes.Status400BadRequest,
        [ErrorCodes.RoomDateInPast] = StatusCodes.Status400BadRequest,
        [ErrorCodes.RoomNotOwner] = StatusCodes.Status403Forbidden,
        [ErrorCodes.RoomCompleted] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomFull] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomOwnerCannotLeave] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomNotParticipant] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomCapacityBelowParticipants] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomVersionMismatch] = StatusCodes.Status412PreconditionFailed,
        [ErrorCodes.RoomTooFewParticipants] = StatusCodes.Status409Conflict,
        [ErrorCodes.RoomAnonymityLocked] = StatusCodes.Status409Conflict,
        [ErrorCodes.CommentNotAuthor] = StatusCodes.Status403Forbidden,
        [ErrorCodes.RandomMatchAlreadyWaiting] = StatusCodes.Status409Conflict,
        [ErrorCodes.MatchNotMember] = StatusCodes.Status403Forbidden,
        [ErrorCodes.MatchAlreadyReviewed] = StatusCodes.Status409Conflict,
        [ErrorCodes.MatchReviewTargetInvalid] = StatusCodes.Status400BadRequest,
        [ErrorCodes.RefreshInvalid] = StatusCodes.Status401Unauthorized,
        [ErrorCodes.UserWithdrawn] = StatusCodes.Status403Forbidden,
        [ErrorCodes.NotFound] = StatusCodes.Status404NotFound,
        [ErrorCodes.IdempotencyKeyReused] = StatusCodes.Status422UnprocessableEntity,
        [ErrorCodes.IdempotencyKeyInProgress] = StatusCodes.Status409Conflict,
        [ErrorCodes.RateLimited] = StatusCodes.Status429TooManyRequests,
        [ErrorCodes.Unavailable] = StatusCodes.Status503ServiceUnavailable,
        [ErrorCodes.Internal] = StatusCodes.Status500InternalServerError,
    };

    /// <summary>Codes for responses that carry no domain code (an unknown route, a wrong method, ...).</summary>
    private static readonly Dictionary<int, string> FallbackCodes = new()
    {
        [StatusCodes.Status400BadRequest] = ErrorCodes.Validation,
        [StatusCodes.Status401Unauthorized] = "unauthorized",
        [StatusCodes.Status403Forbidden] = "forbidden",
        [StatusCodes.Status404NotFound] = ErrorCodes.NotFound,
        [StatusCodes.Status405MethodNotAllowed] = "method-not-allowed",
        [StatusCodes.Status406NotAcceptable] = "not-acceptable",
        [StatusCodes.Status412PreconditionFailed] = "precondition-failed",
        [StatusCodes.Status413PayloadTooLarge] = "payload-too-large",
        [StatusCodes.Status415UnsupportedMediaType] = "unsupported-media-type",
        [StatusCodes.Status429TooManyRequests] = ErrorCodes.RateLimited,
        [StatusCodes.Status500InternalServerError] = ErrorCodes.Internal,
        [StatusCodes.Status503ServiceUnavailable] = ErrorCodes.Unavailable,
    };

    public static int For(string code) => Statuses.GetValueOrDefault(code, StatusCodes.Status400BadRequest);

    public static string CodeFor(int status) => FallbackCodes.GetValueOrDefault(status, $"http-{status}");
}
