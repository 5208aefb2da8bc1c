using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class EffectBackPressureRules
{
    private static readonly TimeSpan Lag = TimeSpan.FromSeconds(2);

    [Fact]
    public void NothingIsHeldWhileTheOldestEffectIsWithinTheLag()
    {
        var rule = new EffectBackPressure(Lag, now: 0);

        Assert.False(rule.Holds(oldestQueuedAt: 0, outstanding: 10_000, now: 2_000));
        Assert.False(rule.Holds(oldestQueuedAt: null, outstanding: 8, now: 60_000));
        Assert.True(rule.Holds(oldestQueuedAt: 0, outstanding: 10_000, now: 2_001));
    }

    [Fact]
    public void BeforeAnyRateIsKnownALaggingBacklogIsHeldUntilItIsDone()
    {
        var rule = new EffectBackPressure(Lag, now: 0);

        Assert.Equal(0, rule.PerSecond);
        Assert.True(rule.Holds(oldestQueuedAt: 0, outstanding: 1, now: 5_000));
        Assert.False(rule.Holds(oldestQueuedAt: 0, outstanding: 0, now: 5_000));
    }

    [Fact]
    public void AHoldEndsOnceTheBacklogFitsTheLagAtTheRecentRate()
    {
        var rule = HundredPerSecond();

        // 100 effects in the first second: 2 s of lag is worth 200 pending effects, however old the oldest is.
        Assert.Equal(100, rule.PerSecond);
        Assert.True(rule.Holds(oldestQueuedAt: 0, outstanding: 201, now: 10_000));
        Assert.False(rule.Holds(oldestQueuedAt: 0, outstanding: 200, now: 10_000));
    }

    [Fact]
    public void TheRateIsMeasuredOverWholeWindowsOfWorkNotIdleTime()
    {
        var rule = HundredPerSecond();

        // An hour idle, then effects again at 50 per second: the idle hour does not dilute the rate.
        rule.Resume(now: 3_601_000);
        for (var t = 3_601_020; t <= 3_602_000; t += 20)
        {
            Assert.Equal(100, rule.PerSecond);
            rule.Done(now: t);
        }

        Assert.Equal(50, rule.PerSecond);
    }

    /// <summary>A rule that has seen 100 effects done in its first second of work.</summary>
    private static EffectBackPressure HundredPerSecond()
    {
        var rule = new EffectBackPressure(Lag, now: 0);
        for (var t = 10; t <= 1_000; t += 10)
        {
            rule.Done(now: t);
        }

        return rule;
    }
}
