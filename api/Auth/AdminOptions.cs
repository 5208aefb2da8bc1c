namespace Partner.Api.Auth;

/// <summary>Logins that get the ADMIN role at sign-in (<c>Partner:Admins</c>, e.g. <c>Partner__Admins__0=jdoe</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "Partner";

    public List<string> Admins { get; set; } = [];

    public bool IsAdmin(string login) => Admins.Contains(login, StringComparer.OrdinalIgnoreCase);
}
