using Partner.Alarms;

namespace Partner.Tests.Matches;

public sealed class NameBasedGuids
{
    [Fact]
    public void AreTheFirstSixteenBytesOfTheSha256MarkedAsVersion8()
    {
        Assert.Equal(Guid.Parse("e3b0c442-98fc-8c14-9afb-f4c8996fb924"), NameBasedGuid.Create(""));
        Assert.Equal(8, NameBasedGuid.Create("match-confirmed:x:y").Version);
    }

    [Fact]
    public void TheSameNameGivesTheSameIdAndAnotherNameAnother()
    {
        Assert.Equal(NameBasedGuid.Create("review:a:b"), NameBasedGuid.Create("review:a:b"));
        Assert.NotEqual(NameBasedGuid.Create("review:a:b"), NameBasedGuid.Create("review:a:c"));
    }

    [Fact]
    public void AMatchConfirmedAlarmHasOneIdPerMatchAndMember()
    {
        var match = Guid.NewGuid();
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();

        Assert.Equal(AlarmIds.MatchConfirmed(match, alice), AlarmIds.MatchConfirmed(match, alice));
        Assert.Equal(NameBasedGuid.Create($"match-confirmed:{match}:{alice}"), AlarmIds.MatchConfirmed(match, alice));
        Assert.NotEqual(AlarmIds.MatchConfirmed(match, alice), AlarmIds.MatchConfirmed(match, bob));
        Assert.NotEqual(AlarmIds.MatchConfirmed(match, alice), AlarmIds.MatchConfirmed(Guid.NewGuid(), alice));
    }
}
