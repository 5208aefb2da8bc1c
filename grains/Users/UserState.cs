namespace Partner.Users;

[GenerateSerializer, Alias("partner.user-state")]
public sealed class UserState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Login { get; set; } = "";
    [Id(2)] public string Nickname { get; set; } = "";
    [Id(3)] public string? Email { get; set; }
    [Id(4)] public string? ImageUrl { get; set; }
    [Id(5)] public long? IntraId { get; set; }
    [Id(6)] public List<string> Roles { get; set; } = [];
    [Id(7)] public UserStatus Status { get; set; }
    [Id(8)] public DateTimeOffset CreatedAt { get; set; }
    [Id(9)] public DateTimeOffset? WithdrawnAt { get; set; }
}
