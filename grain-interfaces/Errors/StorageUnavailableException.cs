namespace Partner;

/// <summary>
/// Grain storage (MySQL in production) did not answer. Thrown by the silo in place of the driver's own
/// exception, which has no Orleans codec and would reach callers as an unrelated serialization error;
/// the API answers 503 <c>unavailable</c>. The silo logs the real exception.
/// </summary>
[GenerateSerializer, Alias("partner.storage-unavailable")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException(string message)
        : base(message)
    {
    }
}
