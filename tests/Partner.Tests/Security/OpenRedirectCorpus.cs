namespace Partner.Tests.Security;

/// <summary>
/// Return URLs as the API receives them (after the query string is decoded): known open-redirect
/// bypasses, and the URLs a client legitimately sends. The allowed origins are <see cref="AllowedOrigins"/>.
/// </summary>
public static class OpenRedirectCorpus
{
    public static readonly string[] AllowedOrigins = ["https://partner.example", "http://localhost:5173"];

    public static TheoryData<string> Bypasses { get; } =
    [
        // Browsers drop tab, CR and LF anywhere in a URL: "/\t/evil.example" becomes "//evil.example".
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\n/evil.example",
        "/\0/evil.example",
        "\t//evil.example",
        "/\u007f/evil.example",
        "/\u0001/evil.example",
        "/\u001f/evil.example",
        "//evil.example\t",
        " //evil.example",
        "/ /evil.example",
        "/\u00a0/evil.example",
        "/\u2028/evil.example",
        "/\u3000/evil.example",
        "/after\r\nSet-Cookie: stolen=1",
        // Backslashes are slashes to a browser.
        "\\\\evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/\\/evil.example",
        "/a\\b",
        // Scheme-relative: another host, and never accepted, not even our own.
        "//evil.example",
        "///evil.example",
        "////evil.example",
        "//evil.example/%2f..",
        "//partner.example",
        "//partner.example/after",
        // Special schemes without "//" still name a host.
        "https:evil.example",
        "https:/evil.example",
        "https:\\\\evil.example",
        "https:///evil.example",
        "http:evil.example",
        "https:partner.example/after",
        // User info: the host is what follows the last '@'.
        "//evil.example@partner.example",
        "https://partner.example@evil.example/",
        "https://partner.example:443@evil.example/",
        "https://evil.example\\@partner.example/",
        "https://evil.example%2f@partner.example",
        "https://evil.example%2F%2F@partner.example/",
        "https://evil.example%40partner.example/",
        "https://:@evil.example/",
        // Hosts that only look like ours.
        "https://partner.example.evil.example/",
        "https://partner.example./",
        "https://evil.example/partner.example",
        "https://evil.example?partner.example",
        "https://evil-partner.example/",
        "https://partner%2eexample/",
        "https://[::1]/",
        "https://127.0.0.1/",
        "https:// partner.example/",
        "https://p\u0430rtner.example/",
        "https://partner\u3002example/",
        "https://partner.example\u2215evil.example/",
        // The right host on the wrong scheme or port.
        "http://partner.example/",
        "http://partner.example:443/",
        "https://partner.example:8443/",
        "https://partner.example:99999/",
        "https://partner.example:/",
        "http://localhost:5174/",
        "http://localhost/",
        "https://localhost:5173/",
        "wss://partner.example/",
        "ftp://partner.example/",
        // Look-alike slashes and dots.
        "/\uFF0F\uFF0Fevil.example",
        "\u2215\u2215evil.example",
        "/\u2215evil.example",
        "/\u3002evil",
        "\uFF0F\uFF0Fevil.example",
        "/\u2044\u2044evil.example",
        // Script and data URLs.
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "javascript://partner.example/%0aalert(1)",
        "javascript://%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        // A fragment would sit in front of the token's.
        "/#evil",
        "/after#",
        "https://partner.example/after#x",
        // Not a path on this origin, nor an absolute URL.
        "evil.example",
        "rooms",
        "./rooms",
        "../rooms",
        "?x=1",
        // Malformed percent-encoding and oversized values.
        "/%",
        "/%zz",
        "/%2",
        "/" + new string('a', 2000),
    ];

    public static TheoryData<string> Accepted { get; } =
    [
        "/",
        "/rooms?x=1",
        "/rooms/3f2a?tab=comments&sort=new",
        "/a/b%2F%2Fc",
        // Browsers do not decode %2f or %5c in a path: these stay paths on our origin.
        "/%2f%2fevil.example",
        "/%5c%5cevil.example",
        "/%09/evil.example",
        "/rooms?next=https://evil.example",
        "https://partner.example",
        "https://partner.example/",
        "https://partner.example/after",
        "https://partner.example/after?x=1",
        "https://partner.example?x=1",
        "https://PARTNER.example/after",
        "HTTPS://partner.example/after",
        "https://partner.example:443/after",
        "http://localhost:5173/after",
        "/" + new string('a', 1999),
    ];
}
