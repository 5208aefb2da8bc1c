namespace Partner.Api.Auth;

/// <summary>The refresh token's cookie: HttpOnly, Secure, SameSite=Strict, only sent to /api/auth.</summary>
public static class RefreshCookie
{
    public const string Name = "partner_refresh";
    private const string Path = "/api/auth";

    public static void Set(HttpResponse response, IssuedSession session) =>
        response.Cookies.Append(Name, session.RefreshToken, Options(session.RefreshExpiresAt));

    public static void Clear(HttpResponse response) => response.Cookies.Delete(Name, Options(null));

    public static string? Read(HttpRequest request) => request.Cookies[Name];

    private static CookieOptions Options(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = Path,
        Expires = expires,
        IsEssential = true,
    };
}
