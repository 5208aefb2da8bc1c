namespace Partner.Users;

public sealed class UserAccountGrain([PersistentState("account")] IPersistentState<UserAccountState> state) : Grain, IUserAccountGrain
{
    public async Task<UserProfile> SignIn(SignIn signIn)
    {
        if (state.State.UserId is not { } userId)
        {
            // The user grain registers only such logins: refuse before an account points at a user that will never exist.
            TextRules.CheckLine("login", signIn.Login, UserGrain.MaxNicknameLength);
            userId = Guid.NewGuid();
            state.State.UserId = userId;
            await state.WriteOrRefuseAsync(this);
        }

        return await GrainFactory.GetGrain<IUserGrain>(userId).SignIn(signIn);
    }

    public Task<Guid?> UserId() => Task.FromResult(state.State.UserId);
}

[GenerateSerializer, Alias("partner.user-account-state")]
public sealed class UserAccountState
{
    [Id(0)] public Guid? UserId { get; set; }
}
