namespace Partner.Users;

public sealed class UserAccountGrain([PersistentState("account")] IPersistentState<UserAccountState> state) : Grain, IUserAccountGrain
{
    public async Task<UserProfile> SignIn(SignIn signIn)
    {
        if (state.State.UserId is not { } userId)
        {
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
