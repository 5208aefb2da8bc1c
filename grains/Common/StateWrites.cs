namespace Partner;

public static class StateWrites
{
    /// <summary>
    /// Writes the grain's state. When the write fails, memory is ahead of storage: the activation is
    /// dropped so the next call reloads the truth, and the caller gets <c>unavailable</c> (503)
    /// instead of a storage exception that could not cross the grain boundary anyway.
    /// </summary>
    public static async Task WriteOrRefuseAsync<T>(this IPersistentState<T> state, IGrainBase grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "A state write failed; memory is ahead of storage."));
            throw Errors.Unavailable();
        }
    }
}
