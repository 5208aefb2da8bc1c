using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Partner.Api.Auth;

/// <summary>
/// Allow-list for where a login redirects the browser: a path on this origin, or an http(s) URL on
/// a configured origin. Browsers drop tab/CR/LF from a URL, read <c>\</c> as <c>/</c> and map look-alike
/// characters, so only the characters of a percent-encoded ASCII URL pass: what is checked is then
/// what the browser navigates to.
/// </summary>
public sealed class ReturnUrls(IOptions<AuthOptions> options)
{
    public const int MaxLength = 2000;

    // RFC 3986 unreserved and reserved characters, without '#': the fragment carries the outcome.
    private static readonly SearchValues<char> UrlCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?[]@!$&'()*+,;=%");

    private static readonly SearchValues<char> HostCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.");

    private readonly Origin[] allowedOrigins = [.. options.Value.ReturnUrls.AllowedOrigins.Select(origin => Origin.TryParseConfigured(origin, out var parsed) ? parsed : null).OfType<Origin>()];

    public string Default => options.Value.ReturnUrls.Default;

    public bool IsAllowed(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > MaxLength || !IsPercentEncodedAscii(returnUrl))
        {
            return false;
        }

        // "/path" stays on this origin; "//host" is scheme-relative, another host.
        if (returnUrl[0] == '/')
        {
            return returnUrl.Length == 1 || returnUrl[1] != '/';
        }

        return Origin.TryParseAbsolute(returnUrl, out var origin) && allowedOrigins.Contains(origin);
    }

    /// <summary>Throws naming the key when a configured origin or the default is not one this rule accepts.</summary>
    public static void Validate(ReturnUrlSettings settings)
    {
        for (var i = 0; i < settings.AllowedOrigins.Count; i++)
        {
            if (!Origin.TryParseConfigured(settings.AllowedOrigins[i], out _))
            {
                throw new InvalidOperationException(
                    $"Auth:ReturnUrls:AllowedOrigins:{i} must be an http(s) origin such as https://partner.example, without path, query or user info (was '{settings.AllowedOrigins[i]}').");
            }
        }

        var rule = new ReturnUrls(Options.Create(new AuthOptions { ReturnUrls = settings }));
        if (!rule.IsAllowed(settings.Default))
        {
            throw new InvalidOperationException(
                $"Auth:ReturnUrls:Default must be a path such as / or a URL on an allowed origin (was '{settings.Default}').");
        }
    }

    /// <summary><paramref name="returnUrl"/> with the outcome in its fragment, which browsers never send to servers.</summary>
    public static string WithFragment(string returnUrl, IEnumerable<KeyValuePair<string, string>> values) =>
        returnUrl + "#" + string.Join('&', values.Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));

    private static bool IsPercentEncodedAscii(string url)
    {
        if (url.AsSpan().ContainsAnyExcept(UrlCharacters))
        {
            return false;
        }

        for (var i = url.IndexOf('%', StringComparison.Ordinal); i >= 0; i = url.IndexOf('%', i + 1))
        {
            if (i + 2 >= url.Length || !char.IsAsciiHexDigit(url[i + 1]) || !char.IsAsciiHexDigit(url[i + 2]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An http(s) origin as browsers compare them: scheme and host without case, the default port made explicit.</summary>
    private sealed record Origin(string Scheme, string Host, int Port)
    {
        /// <summary><c>scheme://host[:port]</c> then a path, a query or nothing; no user info, no IP literal, no encoded host.</summary>
        public static bool TryParseAbsolute(string url, [NotNullWhen(true)] out Origin? origin)
        {
            origin = null;
            var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd <= 0 || DefaultPort(url[..schemeEnd]) is not { } defaultPort)
            {
                return false;
            }

            var rest = url.AsSpan(schemeEnd + 3);
            var authorityEnd = rest.IndexOfAny('/', '?');
            var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
            var colon = authority.IndexOf(':');
            var host = colon < 0 ? authority : authority[..colon];
            var port = defaultPort;
            if (host.IsEmpty || host.ContainsAnyExcept(HostCharacters)
                || (colon >= 0 && !TryParsePort(authority[(colon + 1)..], out port)))
            {
                return false;
            }

            origin = new Origin(url[..schemeEnd].ToLowerInvariant(), host.ToString().ToLowerInvariant(), port);
            return true;
        }

        /// <summary>An entry of <c>Auth:ReturnUrls:AllowedOrigins</c>; a trailing <c>/</c> is tolerated.</summary>
        public static bool TryParseConfigured(string? configured, [NotNullWhen(true)] out Origin? origin)
        {
            origin = null;
            var trimmed = configured?.Trim() ?? "";
            trimmed = trimmed.EndsWith('/') ? trimmed[..^1] : trimmed;
            return trimmed.Length > 0 && IsPercentEncodedAscii(trimmed) && !trimmed.Contains('?', StringComparison.Ordinal)
                && TryParseAbsolute(trimmed, out origin)
                && trimmed.IndexOf('/', trimmed.IndexOf("://", StringComparison.Ordinal) + 3) < 0;
        }

        private static int? DefaultPort(string scheme) =>
            scheme.Equals(Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) ? 443
            : scheme.Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) ? 80
            : null;

        private static bool TryParsePort(ReadOnlySpan<char> digits, out int port)
        {
            port = 0;
            return digits.Length is >= 1 and <= 5 && !digits.ContainsAnyExceptInRange('0', '9')
                && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
        }
    }
}
