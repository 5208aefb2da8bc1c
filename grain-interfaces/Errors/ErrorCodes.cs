namespace Partner;

/// <summary>The stable error codes of the public contract.</summary>
public static class ErrorCodes
{
    public const string Validation = "validation";
    public const string NotFound = "not-found";
    public const string RateLimited = "rate-limited";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
    public const string IdempotencyKeyReused = "idempotency-key-reused";
    public const string IdempotencyKeyInProgress = "idempotency-key-in-progress";
    public const string RefreshInvalid = "auth.refresh-invalid";
    public const string UserWithdrawn = "user.withdrawn";
    public const string RoomDateInPast = "room.date-in-past";
    public const string RoomNotOwner = "room.not-owner";
    public const string RoomCompleted = "room.completed";
    public const string RoomFull = "room.full";
    public const string RoomOwnerCannotLeave = "room.owner-cannot-leave";
    public const string RoomNotParticipant = "room.not-participant";
    public const string RoomCapacityBelowParticipants = "room.capacity-below-participants";
    public const string RoomVersionMismatch = "room.version-mismatch";
    public const string RoomTooFewParticipants = "room.too-few-participants";
    public const string RoomAnonymityLocked = "room.anonymity-locked";
    public const string CommentNotAuthor = "comment.not-author";
    public const string RandomMatchAlreadyWaiting = "random-match.already-waiting";
    public const string MatchNotMember = "match.not-member";
    public const string MatchAlreadyReviewed = "match.already-reviewed";
    public const string MatchReviewTargetInvalid = "match.review-target-invalid";
}
