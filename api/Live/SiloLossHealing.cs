using Partner.Api.Operations;
using Partner.Api.Rooms;

namespace Partner.Api.Live;

/// <summary>
/// When this node loses a gateway (a silo went away), its live feeds re-read the inboxes and watched rooms, and its room read model the directories, a few times
/// while the cluster recovers: alarms and room changes whose pushes died with the silo's stream queues reach the clients.
/// </summary>
internal sealed partial class SiloLossHealing(IServiceProvider services, TimeProvider clock, ApiMetrics metrics, ILogger<SiloLossHealing> logger) : IClusterConnectionStatusObserver
{
    /// <summary>After a silo is lost its grains come back within failure detection; the later tries cover a slow one.</summary>
    private static readonly TimeSpan[] After = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    private int connectedOnce;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        // The node's first connection is reported as a recovery too; nothing was pushed before it, so nothing can be missing.
        var first = Interlocked.Exchange(ref connectedOnce, 1) == 0 && previousNumberOfGateways == 0;
        if (!first && (currentNumberOfGateways < previousNumberOfGateways || connectionRecovered))
        {
            LogHealing(logger, previousNumberOfGateways, currentNumberOfGateways, connectionRecovered);
            metrics.Healing();
            _ = HealLaterAsync();
        }
    }

    public void NotifyClusterConnectionLost()
    {
    }

    private async Task HealLaterAsync()
    {
        // Resolved here, not injected: the feeds need the cluster client, which is built with this observer.
        var feeds = services.GetRequiredService<LiveFeeds>();
        var rooms = services.GetRequiredService<RoomReadModel>();
        var waited = TimeSpan.Zero;
        foreach (var delay in After)
        {
            await Task.Delay(delay - waited, clock);
            waited = delay;
            await feeds.HealAsync();
            await rooms.HealAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateways went from {Previous} to {Current} (connection recovered: {Recovered}); live feeds and room reads are healed 2, 10 and 30 s from now")]
    private static partial void LogHealing(ILogger logger, int previous, int current, bool recovered);
}
