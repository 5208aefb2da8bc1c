using System.Threading.RateLimiting;

namespace Partner.Api.Hosting;

/// <summary>
/// A fixed window of <see cref="RateLimitSettings.PermitLimit"/> permits whose refusals say when the
/// window really frees: the runtime's <c>FixedWindowRateLimiter</c> always reports the whole window
/// as Retry-After, however much of it has passed.
/// </summary>
internal sealed class FixedWindowLimiter(RateLimitSettings settings, TimeProvider clock) : RateLimiter
{
    private readonly Lock gate = new();
    private readonly long windowLength = (long)(settings.Window.TotalSeconds * clock.TimestampFrequency);
    private long windowStart = clock.GetTimestamp();
    private int used;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (gate)
            {
                Roll();
                return used == 0 ? clock.GetElapsedTime(windowStart) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (gate)
        {
            Roll();
            return new RateLimiterStatistics { CurrentAvailablePermits = settings.PermitLimit - used };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (gate)
        {
            Roll();
            if (used + permitCount <= settings.PermitLimit)
            {
                used += permitCount;
                return Lease.Granted;
            }

            return new Lease(settings.Window - clock.GetElapsedTime(windowStart));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>Moves to the window the clock is in now; windows stay aligned to the first one.</summary>
    private void Roll()
    {
        var elapsed = clock.GetTimestamp() - windowStart;
        if (elapsed >= windowLength)
        {
            windowStart += elapsed / windowLength * windowLength;
            used = 0;
        }
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
