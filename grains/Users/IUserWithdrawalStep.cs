namespace Partner.Users;

/// <summary>
/// Work that must follow a withdrawal (leaving open rooms, cancelling tickets). Registered in the
/// silo's services; each step must be idempotent, since a retried withdrawal runs it again.
/// </summary>
public interface IUserWithdrawalStep
{
    Task Run(Guid userId, IGrainFactory grains);
}
