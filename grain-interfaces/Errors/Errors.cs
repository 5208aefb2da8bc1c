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

    public static DomainException RefreshInvalid() =>
        new(ErrorCodes.RefreshInvalid, "The refresh token is unknown, expired, revoked or was already used.");

    public static DomainException UserWithdrawn() => new(ErrorCodes.UserWithdrawn, "This account has been withdrawn.");
}
