using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Users;

namespace Partner.Tests.Security;

/// <summary>What <c>PATCH /api/users/me {email}</c> accepts: one plain <c>local@domain</c>, checked by the user grain.</summary>
public sealed class EmailAddresses(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private static readonly string LongestLocal = new('a', 64);
    private static readonly string LongDomain = $"{new string('b', 63)}.{new string('c', 63)}.{new string('d', 61)}";

    public static TheoryData<string, string, bool> Table() => new()
    {
        { "plain", "a@b.co", true },
        { "dots, plus and a subdomain", "first.last+tag@student.42seoul.kr", true },
        { "apostrophe, underscore, hyphen", "o'brien_x-y@mail.example.ie", true },
        { "upper case", "A@EXAMPLE.COM", true },
        { "international domain", "a@b\u00FCcher.de", true },
        { "254 characters", $"{LongestLocal}@{LongDomain}", true },
        { "255 characters", $"{LongestLocal}@{LongDomain}x", false },
        { "65-character local part", $"{LongestLocal}a@b.com", false },
        { "64-character label", $"a@{new string('b', 64)}.com", false },
        { "single-label domain", "a@b", false },
        { "quoted local part", "\"x\"@y.z", false },
        { "display name", "Name <a@b.com>", false },
        { "angle brackets only", "<a@b.com>", false },
        { "trailing newline", "a@b.com\n", false },
        { "CRLF header injection", "a@b.com\r\nBcc: x@y.z", false },
        { "space in the local part", "a b@c.com", false },
        { "leading space", " a@b.com", false },
        { "empty label", "a@b..com", false },
        { "trailing dot", "a@b.com.", false },
        { "two @", "a@b@c.com", false },
        { "no local part", "@b.com", false },
        { "no domain", "a@", false },
        { "no @", "ab.com", false },
        { "empty", "", false },
        { "leading dot in the local part", ".a@b.com", false },
        { "double dot in the local part", "a..b@c.com", false },
        { "comment", "a(c)@b.com", false },
        { "label starting with a hyphen", "a@-b.com", false },
        { "label ending with a hyphen", "a@b-.com", false },
        { "numeric top-level label", "a@1.2.3.4", false },
        { "domain literal", "a@[127.0.0.1]", false },
        { "zero-width space", "a\u200B@b.com", false },
        { "non-ASCII local part", "\u00E4@b.com", false },
        { "NUL in the domain", "a@b.c\u0000om", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void AddressesAreAcceptedOrRefusedAsTheTableSays(string label, string email, bool accepted)
    {
        var problem = EmailAddressRule.Problem(email);
        Assert.True(accepted == (problem is null), $"{label}: expected {(accepted ? "accepted" : "refused")}, got {problem ?? "accepted"}");
    }

    [Theory]
    [InlineData("a@b")]
    [InlineData("\"x\"@y.z")]
    [InlineData("Name <a@b.com>")]
    [InlineData("a@b.com\n")]
    [InlineData("a b@c.com")]
    [InlineData("a@b..com")]
    public async Task RefusedAddressesAre400NamingEmailAndChangeNothing(string email)
    {
        var user = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await user.Http.PatchAsJsonAsync("/api/users/me", new { email = "before@example.com" })).StatusCode);

        var response = await user.Http.PatchAsJsonAsync("/api/users/me", new { email });

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.True(problem.Errors.ContainsKey("email"), problem.Raw);
        Assert.Equal("before@example.com", (await user.Http.GetFromJsonAsync<JsonElement>("/api/users/me")).GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("carol@student.42seoul.kr")]
    [InlineData("first.last+partner@example.co.kr")]
    public async Task PlainAddressesAreKept(string email)
    {
        var user = await factory.SignInAsync();

        var response = await user.Http.PatchAsJsonAsync("/api/users/me", new { email });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(email, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
    }

    [Fact]
    public async Task AnAddressFromTheProviderIsKeptOnlyWhenValid()
    {
        var grains = factory.Services.GetRequiredService<IGrainFactory>();

        var valid = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).SignIn(new SignIn("carol", "carol@student.42seoul.kr", null, 1, false));
        var invalid = await grains.GetGrain<IUserGrain>(Guid.NewGuid()).SignIn(new SignIn("mallory", "m@x.com\r\nBcc: all@x.com", null, 2, false));

        Assert.Equal("carol@student.42seoul.kr", valid.Email);
        Assert.Null(invalid.Email);
        Assert.Equal("mallory", invalid.Nickname);
    }
}
