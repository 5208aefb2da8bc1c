using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Partner.Api.Hosting;

namespace Partner.Tests.Security;

/// <summary>The rate limit's window, on a fake clock: refusals say how long until the window really frees.</summary>
public sealed class FixedWindowLimiterRules
{
    private readonly FakeTimeProvider clock = new();
    private readonly FixedWindowLimiter limiter;

    public FixedWindowLimiterRules() => limiter = new FixedWindowLimiter(new RateLimitSettings { PermitLimit = 2, Window = TimeSpan.FromSeconds(60) }, clock);

    [Fact]
    public void GrantsUpToTheLimitInOneWindow()
    {
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(1, 59)]
    [InlineData(45, 15)]
    [InlineData(59.5, 0.5)]
    public void ARefusalSaysWhenTheWindowFrees(double secondsIntoWindow, double expectedWait)
    {
        limiter.AttemptAcquire();
        limiter.AttemptAcquire();
        clock.Advance(TimeSpan.FromSeconds(secondsIntoWindow));

        var refused = limiter.AttemptAcquire();

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(expectedWait), wait);
    }

    [Fact]
    public void TheNextWindowStartsFresh()
    {
        limiter.AttemptAcquire();
        limiter.AttemptAcquire();
        clock.Advance(TimeSpan.FromSeconds(60));

        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public void WindowsStayAlignedAfterAQuietSpell()
    {
        clock.Advance(TimeSpan.FromSeconds(150));
        limiter.AttemptAcquire();
        limiter.AttemptAcquire();

        limiter.AttemptAcquire().TryGetMetadata(MetadataName.RetryAfter, out var wait);

        Assert.Equal(TimeSpan.FromSeconds(30), wait);
    }

    [Fact]
    public void IsIdleOnlyWhileNothingIsUsed()
    {
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), limiter.IdleDuration);

        limiter.AttemptAcquire();
        Assert.Null(limiter.IdleDuration);

        clock.Advance(TimeSpan.FromSeconds(70));
        Assert.Equal(TimeSpan.FromSeconds(15), limiter.IdleDuration); // the window of 60..120 s, unused

    }
}
