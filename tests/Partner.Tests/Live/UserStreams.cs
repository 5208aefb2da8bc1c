using Orleans.Runtime;
using Partner.Streams;

namespace Partner.Tests.Live;

/// <summary>Which of the shared users' streams carries a user's pushes.</summary>
public sealed class UserStreams
{
    [Fact]
    public void AUsersStreamIsTheSameInEveryProcess()
    {
        var userId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        // Fixed by the id's bytes alone, so that grains and API nodes of any version agree.
        Assert.Equal(StreamId.Create(PartnerStreams.UsersNamespace, "26"), PartnerStreams.User(userId));
        Assert.Equal(PartnerStreams.User(userId), PartnerStreams.User(Guid.Parse(userId.ToString())));
    }

    [Fact]
    public void UsersSpreadOverEveryStreamTheNodesSubscribeTo()
    {
        var counts = Enumerable.Range(0, 32_000).Select(_ => PartnerStreams.User(Guid.NewGuid())).CountBy(stream => stream).ToDictionary();

        Assert.Equal(PartnerStreams.AllUsers.ToHashSet(), counts.Keys.ToHashSet());
        Assert.Equal(PartnerStreams.UserStreamCount, counts.Count);
        // 1,000 expected per stream; a fair hash stays within ±20 % (about 6 standard deviations).
        Assert.All(counts.Values, count => Assert.InRange(count, 800, 1_200));
    }
}
