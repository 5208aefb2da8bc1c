using Microsoft.Extensions.Options;

namespace Partner.Api.Hosting;

/// <summary>How long an API node keeps trying to reach the silos at start (<c>Partner:Cluster</c>).</summary>
public sealed class ClusterConnectionOptions
{
    public const string Section = "Partner:Cluster";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan ConnectRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Lets an API node start before the silos: retries the first connection for a bounded time.</summary>
internal sealed partial class ClusterConnectionRetry(
    IOptions<ClusterConnectionOptions> options,
    TimeProvider clock,
    ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    private readonly long startedAt = clock.GetTimestamp();

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (clock.GetElapsedTime(startedAt) > settings.ConnectTimeout)
        {
            return false;
        }

        LogRetrying(logger, exception.GetBaseException().Message);
        await Task.Delay(settings.ConnectRetryDelay, clock, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach the Orleans cluster yet ({Reason}); retrying")]
    private static partial void LogRetrying(ILogger logger, string reason);
}
