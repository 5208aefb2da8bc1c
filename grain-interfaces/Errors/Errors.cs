using System.Collections.Immutable;

namespace Partner;

/// <summary>Every business-rule failure, built in one place with the codes of the public contract.</summary>
public static class Errors
{
    public static DomainException Validation(string field, string message) =>
        new(ErrorCodes.Validation, message, ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(field, [message]));

    public static DomainException NotFound(string what) => new(ErrorCodes.NotFound, $"{what} was not found.");

    /// <summary>A feature switched off by configuration answers like an unknown route.</summary>
    public static DomainException Disabled(string detail) => new(ErrorCodes.NotFound, detail);

    /// <summary>A change could not be made durable (storage unreachable); nothing was applied, retry later.</summary>
    public static DomainException Unavailable() =>
        new(ErrorCodes.Unavailable, "The change could not be saved right now; nothing was applied. Retry shortly.");

    /// <summary>The grain's write met a newer version in storage (a second activation wrote first); nothing was applied.</summary>
    public static DomainException Superseded(GrainId grain) =>
        new(ErrorCodes.Unavailable, "The change could not be saved right now; nothing was applied. Retry shortly.") { SupersededGrain = grain };

    public static DomainException IdempotencyKeyInProgress() =>
        new(ErrorCodes.IdempotencyKeyInProgress, "A request with this Idempotency-Key is still being answered; retry shortly to get its answer.");

    public static DomainException IdempotencyKeyReused() =>
        new(ErrorCodes.IdempotencyKeyReused, "This Idempotency-Key was already used with a different request; use a new key for a new request.");

    public static DomainException RefreshInvalid() =>
        new(ErrorCodes.RefreshInvalid, "The refresh token is unknown, expired, revoked or was already used.");

    public static DomainException UserWithdrawn() => new(ErrorCodes.UserWithdrawn, "This account has been withdrawn.");

    public static DomainException RoomDateInPast() => new(ErrorCodes.RoomDateInPast, "The meeting date is before today.");

    public static DomainException RoomNotOwner() => new(ErrorCodes.RoomNotOwner, "Only the room's owner or an admin may do this.");

    public static DomainException RoomCompleted() => new(ErrorCodes.RoomCompleted, "The room is already completed.");

    public static DomainException RoomFull() => new(ErrorCodes.RoomFull, "The room has no seat left.");

    public static DomainException RoomOwnerCannotLeave() => new(ErrorCodes.RoomOwnerCannotLeave, "The owner cannot leave the room.");

    public static DomainException RoomNotParticipant() => new(ErrorCodes.RoomNotParticipant, "You are not in this room.");

    public static DomainException RoomCapacityBelowParticipants(int participants) =>
        new(ErrorCodes.RoomCapacityBelowParticipants, $"The capacity cannot be below the {participants} current participants.");

    public static DomainException RoomTooFewParticipants() =>
        new(ErrorCodes.RoomTooFewParticipants, "A room needs at least one participant besides its owner to be completed.");

    public static DomainException RoomAnonymityLocked() =>
        new(ErrorCodes.RoomAnonymityLocked, "Anonymity cannot be turned off once someone other than the owner has joined or commented.");

    public static DomainException RoomVersionMismatch() => new(ErrorCodes.RoomVersionMismatch, "The room changed since you read it (If-Match).");

    public static DomainException CommentNotAuthor() => new(ErrorCodes.CommentNotAuthor, "Only the comment's author or an admin may do this.");

    public static DomainException RandomMatchAlreadyWaiting() =>
        new(ErrorCodes.RandomMatchAlreadyWaiting, "A ticket with different conditions is already waiting in this category; cancel it first.");

    public static DomainException MatchNotMember() => new(ErrorCodes.MatchNotMember, "You are not a member of this match.");

    public static DomainException MatchAlreadyReviewed() => new(ErrorCodes.MatchAlreadyReviewed, "You have already reviewed this match.");

    public static DomainException MatchReviewTargetInvalid(string field, string message) =>
        new(ErrorCodes.MatchReviewTargetInvalid, message, ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(field, [message]));
}
