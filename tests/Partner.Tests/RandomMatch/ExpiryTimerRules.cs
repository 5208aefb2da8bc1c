using Microsoft.Extensions.Time.Testing;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

public sealed class ExpiryTimerRules : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
    private readonly ExpiryTimer timer;
    private int fired;

    public ExpiryTimerRules() => timer = new ExpiryTimer(clock, () => fired++);

    public void Dispose() => timer.Dispose();

    [Fact]
    public void ItFiresAtTheDeadlineAndNotBefore()
    {
        timer.Arm(clock.GetUtcNow() + Minute);

        clock.Advance(Minute - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, fired);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void ArmingTheSameDeadlineAgainLeavesTheTimerAsItIs()
    {
        var deadline = clock.GetUtcNow() + Minute;
        timer.Arm(deadline);
        clock.Advance(Minute / 2);

        timer.Arm(deadline);
        clock.Advance(Minute / 2);

        Assert.Equal(1, fired);
        Assert.Equal(deadline, timer.ArmedFor);
    }

    [Fact]
    public void AnEarlierDeadlineMovesTheTimerForward()
    {
        timer.Arm(clock.GetUtcNow() + (2 * Minute));
        timer.Arm(clock.GetUtcNow() + Minute);

        clock.Advance(Minute);

        Assert.Equal(1, fired);
    }

    [Fact]
    public void NoDeadlineStopsTheTimer()
    {
        timer.Arm(clock.GetUtcNow() + Minute);
        timer.Arm(null);

        clock.Advance(2 * Minute);

        Assert.Equal(0, fired);
        Assert.Null(timer.ArmedFor);
    }

    [Fact]
    public void ADeadlineAlreadyPastFiresAtOnce()
    {
        timer.Arm(clock.GetUtcNow() - Minute);

        clock.Advance(TimeSpan.Zero);

        Assert.Equal(1, fired);
    }

    [Fact]
    public void OnceItsExpiryRanTheSameDeadlineArmsItAgain()
    {
        var deadline = clock.GetUtcNow() + Minute;
        timer.Arm(deadline);
        clock.Advance(Minute);

        timer.Fired();
        timer.Arm(deadline);
        clock.Advance(TimeSpan.Zero);

        Assert.Equal(2, fired);
    }
}
