using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;
using Partner.Users;

namespace Partner.Tests.Identity;

public sealed class Withdrawal : IAsyncLifetime
{
    private readonly RecordingWithdrawalStep step = new();
    private PartnerApiFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IUserWithdrawalStep>(step) };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task AWithdrawnUsersTokensStopReadingAndItsWritesAreRefused()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var alice = await factory.SignInAsync(login);
        var phone = await factory.SignInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync("/api/users/me")).StatusCode);

        var withdraw = await alice.Http.DeleteAsync("/api/users/me");

        Assert.Equal(HttpStatusCode.NoContent, withdraw.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.Http.GetAsync("/api/users/me")).StatusCode);
        // The phone's session was checked just before: this node may trust that for at most a second.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.Http.GetAsync("/api/alarms")).StatusCode);
        var patch = await alice.Http.PatchAsJsonAsync("/api/users/me", new { email = "alice@student.42seoul.kr" });
        Assert.Equal("user.withdrawn", (await Problem.ReadAsync(patch, HttpStatusCode.Forbidden)).Code);
        var again = await alice.Http.DeleteAsync("/api/users/me");
        Assert.Equal("user.withdrawn", (await Problem.ReadAsync(again, HttpStatusCode.Forbidden)).Code);
    }

    [Fact]
    public async Task WithdrawalRevokesEveryRefreshFamily()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var laptop = await factory.SignInAsync(login);
        var phone = await factory.SignInAsync(login);

        await laptop.Http.DeleteAsync("/api/users/me");

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshWithCookieAsync(laptop.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshWithCookieAsync(phone.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task AWithdrawnUserCannotSignInAgain()
    {
        var login = "u" + Guid.NewGuid().ToString("N")[..10];
        var alice = await factory.SignInAsync(login);
        await alice.Http.DeleteAsync("/api/users/me");

        var response = await factory.CreateClient().PostAsJsonAsync("/api/auth/dev-login", new { login });

        Assert.Equal("user.withdrawn", (await Problem.ReadAsync(response, HttpStatusCode.Forbidden)).Code);
    }

    [Fact]
    public async Task WithdrawalRunsTheRegisteredStepsForThatUser()
    {
        var alice = await factory.SignInAsync();

        await alice.Http.DeleteAsync("/api/users/me");

        Assert.Contains(alice.UserId, step.Withdrawn);
    }

    private sealed class RecordingWithdrawalStep : IUserWithdrawalStep
    {
        public ConcurrentBag<Guid> Withdrawn { get; } = [];

        public Task Run(Guid userId, IGrainFactory grains)
        {
            Withdrawn.Add(userId);
            return Task.CompletedTask;
        }
    }
}
