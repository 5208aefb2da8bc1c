using Microsoft.Extensions.Logging;
using Partner.Streams;

namespace Partner;

/// <summary>Live pushes through the <c>partner</c> stream provider, always after the durable write they announce.</summary>
internal static partial class LivePushes
{
    /// <summary>A failed publish loses only the push (clients read the durable state back), so it never fails the command.</summary>
    public static async Task PublishAsync<T>(this Grain grain, StreamId stream, T item, ILogger logger)
    {
        try
        {
            await grain.GetStreamProvider(PartnerStreams.ProviderName).GetStream<T>(stream).OnNextAsync(item);
        }
        catch (Exception ex)
        {
            LogPushFailed(logger, ex, stream.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live push to {Stream} failed; clients catch up from the durable state")]
    private static partial void LogPushFailed(ILogger logger, Exception exception, string stream);
}
