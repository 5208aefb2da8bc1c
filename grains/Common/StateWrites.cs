using Orleans.Storage;

namespace Partner;

public static class StateWrites
{
    /// <summary>
    /// Writes the grain's state. When the write fails, memory is ahead of storage: the activation is
    /// dropped so the next call reloads the truth, and the caller gets <c>unavailable</c> (503)
    /// instead of a storage exception that could not cross the grain boundary anyway.
    /// </summary>
    public static Task WriteOrRefuseAsync<T>(this IPersistentState<T> state, IGrainBase grain) =>
        grain.WriteOrRefuseAsync(async () =>
        {
            await state.WriteStateAsync();
            return true;
        });

    /// <summary>
    /// Runs a storage write of the grain's (a state, a log append); when it fails, the activation is dropped —
    /// the write may or may not have landed, only a fresh activation reading storage knows — and the caller
    /// gets <c>unavailable</c> (503). A write refused for a version conflict (a second activation of the grain, as while a
    /// silo drains, wrote first) wrote nothing: that 503 names the grain (<see cref="DomainException.SupersededGrain"/>).
    /// </summary>
    public static async Task<T> WriteOrRefuseAsync<T>(this IGrainBase grain, Func<Task<T>> write, Action<Exception>? failed = null)
    {
        try
        {
            return await write();
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            failed?.Invoke(ex);
            grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "A storage write failed; memory may be ahead of storage."));
            // A version conflict is a refusal before anything was written: the API sends the call again to a fresh activation.
            throw ex is InconsistentStateException || ex.InnerException is InconsistentStateException
                ? Errors.Superseded(grain.GrainContext.GrainId)
                : Errors.Unavailable();
        }
    }
}
