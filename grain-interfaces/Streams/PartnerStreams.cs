namespace Partner.Streams;

/// <summary>Names shared by the grains that publish and the API nodes that subscribe.</summary>
public static class PartnerStreams
{
    /// <summary>The stream provider (<c>Orleans:Streaming:partner</c>); memory streams unless configured otherwise.</summary>
    public const string ProviderName = "partner";
}
