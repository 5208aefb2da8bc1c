namespace Partner;

/// <summary>The stable error codes of the public contract.</summary>
public static class ErrorCodes
{
    public const string Validation = "validation";
    public const string NotFound = "not-found";
    public const string RateLimited = "rate-limited";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
    public const string RefreshInvalid = "auth.refresh-invalid";
    public const string UserWithdrawn = "user.withdrawn";
}
