namespace Partner.Tests.Infrastructure;

/// <summary>What a grain command ended with, as the rule tests compare it.</summary>
public static class DomainOutcomes
{
    /// <summary>Runs <paramref name="command"/>: null when it succeeded, else the code of the rule that refused it.</summary>
    public static async Task<string?> CodeOf(Func<Task> command)
    {
        try
        {
            await command();
            return null;
        }
        catch (DomainException ex)
        {
            return ex.Code;
        }
    }
}
