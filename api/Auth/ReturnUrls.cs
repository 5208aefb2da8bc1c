using Microsoft.Extensions.Options;

namespace Partner.Api.Auth;

/// <summary>Allow-list for where a login redirects the browser: relative paths and configured origins only.</summary>
public sealed class ReturnUrls(IOptions<AuthOptions> options)
{
    public string Default => options.Value.ReturnUrls.Default;

    public bool IsAllowed(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Contains('#', StringComparison.Ordinal))
        {
            return false;
        }

        // "/path" is local; "//host" and "/\host" are protocol-relative escapes to another host.
        if (returnUrl[0] == '/')
        {
            return returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\');
        }

        return Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && options.Value.ReturnUrls.AllowedOrigins.Any(origin =>
                Uri.TryCreate(origin, UriKind.Absolute, out var allowed)
                && string.Equals(allowed.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(allowed.Host, uri.Host, StringComparison.OrdinalIgnoreCase)
                && allowed.Port == uri.Port);
    }

    /// <summary><paramref name="returnUrl"/> with the outcome in its fragment, which browsers never send to servers.</summary>
    public static string WithFragment(string returnUrl, IEnumerable<KeyValuePair<string, string>> values) =>
        returnUrl + "#" + string.Join('&', values.Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));
}
