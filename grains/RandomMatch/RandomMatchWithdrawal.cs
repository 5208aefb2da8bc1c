using Partner.Catalog;
using Partner.Users;

namespace Partner.RandomMatch;

/// <summary>A withdrawn user leaves every queue: their waiting tickets are cancelled.</summary>
public sealed class RandomMatchWithdrawal(CategoryCatalog catalog) : IUserWithdrawalStep
{
    public async Task Run(Guid userId, IGrainFactory grains)
    {
        foreach (var category in catalog.All)
        {
            try
            {
                await grains.GetGrain<IRandomMatchQueueGrain>(category.Name).Cancel(userId);
            }
            catch (DomainException ex) when (ex.Code == ErrorCodes.NotFound)
            {
                // Nothing waiting in this category.
            }
        }
    }
}
