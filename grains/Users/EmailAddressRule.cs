using System.Globalization;
using System.Net.Mail;

namespace Partner.Users;

/// <summary>
/// An e-mail address as users may give it: exactly one <c>local@domain</c>, nothing around it (no display name, no
/// comment, no whitespace or control character), an ASCII dot-atom local part, and a domain of at least two valid
/// labels (international names allowed). <see cref="MailAddress"/> alone accepts far more: quoted local parts, display
/// names, single-label domains.
/// </summary>
internal static class EmailAddressRule
{
    public const int MaxLength = 254;
    private const int MaxLocalLength = 64;
    private const int MaxDomainLength = 253;
    private const string AtomSymbols = "!#$%&'*+-/=?^_`{|}~";

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    public static void Check(string? email)
    {
        if (Problem(email) is { } problem)
        {
            throw Errors.Validation("email", problem);
        }
    }

    /// <summary>Why <paramref name="email"/> is not an acceptable address, or null when it is.</summary>
    public static string? Problem(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "email is required.";
        }

        if (email.Length > MaxLength)
        {
            return $"email is at most {MaxLength} characters.";
        }

        var at = email.IndexOf('@');
        var valid = at > 0
            && at == email.LastIndexOf('@')
            && IsDotAtom(email[..at])
            && IsDomain(email[(at + 1)..])
            && MailAddress.TryCreate(email, out var parsed)
            && parsed.DisplayName.Length == 0
            && parsed.Address == email;
        return valid ? null : "email is one address such as name@example.com, without a name, spaces or quotes.";
    }

    private static bool IsDotAtom(string local) =>
        local.Length <= MaxLocalLength
        && local.Split('.').All(atom => atom.Length > 0 && atom.All(c => char.IsAsciiLetterOrDigit(c) || AtomSymbols.Contains(c)));

    private static bool IsDomain(string domain)
    {
        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var labels = ascii.Split('.');
        return ascii.Length <= MaxDomainLength
            && labels.Length >= 2
            && labels.All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            && !labels[^1].All(char.IsAsciiDigit);
    }
}
