using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Partner.Streams;

namespace Partner.Users;

public sealed partial class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    IEnumerable<IUserWithdrawalStep> withdrawalSteps,
    TimeProvider clock,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    internal const string WithdrawalReminder = "finish-withdrawal";

    /// <summary>The nickname is the login; 42 logins are far shorter, dev logins at most 32 characters.</summary>
    internal const int MaxNicknameLength = 64;

    private Guid UserId => this.GetPrimaryKey();

    /// <summary>
    /// The live sessions and their expiry as the sessions grain last told; null until asked. Every change of the sessions goes
    /// through this grain, which drops the copy first, so an access check (each write asks one) costs no call to that grain.
    /// </summary>
    private ImmutableDictionary<Guid, DateTimeOffset>? liveSessions;

    private IUserSessionsGrain Sessions => GrainFactory.GetGrain<IUserSessionsGrain>(UserId);

    /// <summary>The sessions grain, for a change: the copy of its live sessions is dropped first (a failed change too).</summary>
    private IUserSessionsGrain SessionsToChange()
    {
        liveSessions = null;
        return Sessions;
    }

    public async Task<UserProfile> SignIn(SignIn signIn)
    {
        var user = state.State;
        if (user.Registered && user.Status == UserStatus.Withdrawn)
        {
            throw Errors.UserWithdrawn();
        }

        var roles = signIn.IsAdmin ? new List<string> { UserRoles.User, UserRoles.Admin } : [UserRoles.User];
        if (!user.Registered)
        {
            TextRules.CheckLine("login", signIn.Login, MaxNicknameLength);
            user.Registered = true;
            user.Login = signIn.Login;
            user.Nickname = signIn.Login;
            // The provider's address is not the user's input: one that breaks the rule is left out rather than refusing the sign-in.
            user.Email = EmailAddressRule.Problem(signIn.Email) is null ? signIn.Email : null;
            if (signIn.Email is not null && user.Email is null)
            {
                LogProviderEmailDropped(logger, UserId);
            }

            user.CreatedAt = clock.GetUtcNow();
            user.Status = UserStatus.Active;
            LogRegistered(logger, UserId, signIn.Login);
        }
        else if (user.Roles.SequenceEqual(roles) && user.ImageUrl == signIn.ImageUrl && user.IntraId == (signIn.IntraId ?? user.IntraId))
        {
            return Profile();
        }

        user.Roles = roles;
        user.ImageUrl = signIn.ImageUrl;
        user.IntraId = signIn.IntraId ?? user.IntraId;
        await SaveAsync();
        return Profile();
    }

    public Task<UserProfile?> Get() => Task.FromResult(state.State.Registered ? Profile() : null);

    public async Task<UserProfile> UpdateEmail(string email)
    {
        EnsureActiveNow();
        EmailAddressRule.Check(email);
        if (state.State.Email != email)
        {
            state.State.Email = email;
            await SaveAsync();
        }

        return Profile();
    }

    public async Task Withdraw()
    {
        EnsureRegistered();
        var user = state.State;
        if (user.Status != UserStatus.Withdrawn)
        {
            // Armed before the status changes: the account's writes are refused from then on, so no retry of the
            // client's could finish the steps below; the reminder does, after a failure or a crash.
            await this.ArmAsync(WithdrawalReminder);
            user.Status = UserStatus.Withdrawn;
            user.WithdrawnAt = clock.GetUtcNow();
            await SaveAsync();
            LogWithdrawn(logger, UserId);
        }

        await FinishWithdrawalAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == WithdrawalReminder)
        {
            await (state.State.Status == UserStatus.Withdrawn ? FinishWithdrawalAsync() : this.DisarmAsync(WithdrawalReminder));
        }
    }

    /// <summary>Every step is idempotent: they run again, whole, until one run gets through.</summary>
    private async Task FinishWithdrawalAsync()
    {
        await SessionsToChange().RevokeAll();
        await this.PublishAsync(PartnerStreams.User(UserId), UserPush.AccountWithdrawn(UserId), logger);
        foreach (var step in withdrawalSteps)
        {
            await step.Run(UserId, GrainFactory);
        }

        await this.DisarmAsync(WithdrawalReminder);
    }

    public async Task<AccessCheck> CheckAccess(Guid sessionId) => state.State switch
    {
        { Registered: false } => AccessCheck.SessionEnded,
        { Status: not UserStatus.Active } => AccessCheck.Withdrawn,
        _ => await IsLiveAsync(sessionId) ? AccessCheck.Active : AccessCheck.SessionEnded,
    };

    private async ValueTask<bool> IsLiveAsync(Guid sessionId)
    {
        liveSessions ??= await Sessions.Live();
        return liveSessions.TryGetValue(sessionId, out var expiresAt) && expiresAt > clock.GetUtcNow();
    }

    public Task StartSession(Guid familyId, ImmutableArray<byte> tokenHash, DateTimeOffset expiresAt)
    {
        EnsureActiveNow();
        return SessionsToChange().Start(familyId, tokenHash, expiresAt);
    }

    public async Task<UserProfile> RefreshSession(Guid familyId, ImmutableArray<byte> presentedHash, ImmutableArray<byte> nextHash, DateTimeOffset expiresAt)
    {
        if (!state.State.Registered || state.State.Status != UserStatus.Active)
        {
            throw Errors.RefreshInvalid();
        }

        await SessionsToChange().Rotate(familyId, presentedHash, nextHash, expiresAt);
        return Profile();
    }

    public Task EndSession(Guid familyId) => SessionsToChange().Revoke(familyId);

    private void EnsureRegistered()
    {
        if (!state.State.Registered)
        {
            throw Errors.NotFound("The user");
        }
    }

    private void EnsureActiveNow()
    {
        EnsureRegistered();
        if (state.State.Status != UserStatus.Active)
        {
            throw Errors.UserWithdrawn();
        }
    }

    private UserProfile Profile()
    {
        var user = state.State;
        return new UserProfile(UserId, user.Login, user.Nickname, user.Email, user.ImageUrl, [.. user.Roles], user.Status);
    }

    private async Task SaveAsync()
    {
        await state.WriteOrRefuseAsync(this);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} registered as {Login}")]
    private static partial void LogRegistered(ILogger logger, Guid userId, string login);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId} registered without the e-mail address the provider gave: it is not a valid address")]
    private static partial void LogProviderEmailDropped(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} withdrew")]
    private static partial void LogWithdrawn(ILogger logger, Guid userId);
}
