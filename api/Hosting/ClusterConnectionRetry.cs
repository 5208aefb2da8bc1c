using Microsoft.Extensions.Options;

namespace Partner.Api.Hosting;

/// <summary>How an API node takes part in the production cluster (<c>Partner:Cluster</c>).</summary>
public sealed class ClusterConnectionOptions
{
    public const string Section = "Partner:Cluster";

    /// <summary>
    /// Production: run a full silo in this process (the production providers, joined to the same cluster as stand-alone
    /// silos) instead of an Orleans client; grain calls then start in-process. Off: an Orleans client of the silos.
    /// </summary>
    public bool CoHosted { get; set; }

    /// <summary>Reads <see cref="CoHosted"/> while the host is being built.</summary>
    public static bool IsCoHosted(IConfiguration configuration) => configuration.GetValue<bool>($"{Section}:{nameof(CoHosted)}");

    /// <summary>How long an Orleans client retries its first connection (not co-hosted).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The pause between those tries.</summary>
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
