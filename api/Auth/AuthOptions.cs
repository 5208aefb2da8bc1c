namespace Partner.Api.Auth;

/// <summary>Authentication settings (<c>Auth</c> section).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary><c>POST /api/auth/dev-login</c>; default on in the embedded default and in Development, off in production.</summary>
    public bool? DevLogin { get; set; }

    /// <summary>Whether dev login may grant ADMIN to a login in <c>Partner:Admins</c>: never in production (not bindable).</summary>
    public bool DevLoginGrantsAdmin { get; internal set; }

    public JwtSettings Jwt { get; set; } = new();

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long an API node may answer a read from what it last learned of a session: the bound on a logout reaching every node.</summary>
    public TimeSpan SessionRecheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IntraSettings Intra { get; set; } = new();

    /// <summary>
    /// The API's public base URL as browsers reach it (e.g. <c>https://partner.example</c>): the 42 intra
    /// redirect_uri is built from it, not from the request's Host header. Required in production when 42
    /// login is configured; taken from the request when missing in the embedded default.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public ReturnUrlSettings ReturnUrls { get; set; } = new();
}

public sealed class JwtSettings
{
    /// <summary>
    /// A key only for the embedded default and tests; production refuses to start with it.
    /// Public on purpose: it is a known value, so tokens signed with it prove nothing.
    /// </summary>
    public const string DevelopmentSigningKey = "partner-development-signing-key-not-for-production-use";

    public const int MinimumKeyBytes = 32;

    /// <summary>HMAC-SHA256 key, at least 32 bytes of UTF-8 (required in production).</summary>
    public string? SigningKey { get; set; }

    /// <summary>Keys that signed earlier tokens and are still accepted during a rotation (never used to sign).</summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    public string Issuer { get; set; } = "partner";

    public string Audience { get; set; } = "partner";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The 42 intra OAuth application (register one at profile.intra.42.fr → Settings → API).</summary>
public sealed class IntraSettings
{
    public string BaseUrl { get; set; } = "https://api.intra.42.fr";

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string Scope { get; set; } = "public";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}

/// <summary>Where a login may send the browser back to (no open redirects).</summary>
public sealed class ReturnUrlSettings
{
    /// <summary>Absolute origins (scheme://host[:port]) that <c>returnUrl</c> may point at; paths on the API's own origin are always allowed.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Where to go when no (or no allowed) <c>returnUrl</c> is known, e.g. after a failed callback.</summary>
    public string Default { get; set; } = "/";
}
