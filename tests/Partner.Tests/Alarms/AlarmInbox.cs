using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Partner.Alarms;
using Partner.Tests.Api;

namespace Partner.Tests.Alarms;

public sealed class AlarmInbox(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    private IAlarmInboxGrain NewInbox() => factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlarmInboxGrain>(Guid.NewGuid());

    [Fact]
    public async Task SeqIncreasesByOnePerRaise()
    {
        var inbox = NewInbox();

        var seqs = await inbox.RaiseAsync(3);

        Assert.Equal([1, 2, 3], seqs);
        Assert.Equal(3, (await inbox.List(null, 10)).LastSeq);
    }

    [Fact]
    public async Task SinceReturnsEveryKeptAlarmAfterTheSeqInOneCall()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(505);

        var all = await inbox.Since(0);
        var tail = await inbox.Since(503);

        Assert.Equal(Enumerable.Range(6, 500).Select(seq => (long)seq), all.Select(a => a.Seq));
        Assert.Equal([504L, 505L], tail.Select(a => a.Seq));
        Assert.Empty(await inbox.Since(505));
    }

    [Fact]
    public async Task RaisingTheSameAlarmAgainReturnsItsFirstSeqAndStoresNothing()
    {
        var inbox = NewInbox();
        var joined = AlarmDrafts.RoomJoined();
        await inbox.Raise(AlarmDrafts.RoomJoined());

        var first = await inbox.Raise(joined);
        var again = await inbox.Raise(joined with { Text = "a retry with other text" });

        Assert.Equal(2, first);
        Assert.Equal(2, again);
        var page = await inbox.List(null, 10);
        Assert.Equal(2, page.LastSeq);
        Assert.Equal([joined.Text], page.Items.Where(a => a.AlarmId == joined.AlarmId).Select(a => a.Text));
    }

    [Fact]
    public async Task KeepsTheNewest500AndSeqContinuesPastDroppedAlarms()
    {
        var inbox = NewInbox();

        await inbox.RaiseAsync(520);

        var kept = await inbox.ListAllAsync();
        Assert.Equal(AlarmInboxGrain.Capacity, kept.Count);
        Assert.Equal(21, kept[0].Seq);
        Assert.Equal(Enumerable.Range(21, 500).Select(seq => (long)seq), kept.Select(a => a.Seq));
        Assert.Equal("alarm 21", kept[0].Text);
        var newest = await inbox.List(null, 100);
        Assert.Equal(520, newest.LastSeq);
        Assert.Equal(500, newest.UnreadCount);
        Assert.Equal(521, await inbox.Raise(AlarmDrafts.RoomJoined()));
    }

    [Fact]
    public async Task StoresAlarmsInPagesAndDropsPagesBeyondTheCapacity()
    {
        var userId = Guid.NewGuid();
        var inbox = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlarmInboxGrain>(userId);

        // Twelve pages beyond the capacity, and half a page more in the inbox's own row.
        const int pageSize = AlarmInboxGrain.PageSize;
        const int raised = AlarmInboxGrain.Capacity + 12 * pageSize + pageSize / 2;
        await inbox.RaiseAsync(raised);

        var storage = factory.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var stored = new List<(long Page, int Alarms)>();
        for (var page = 0L; page <= raised / pageSize; page++)
        {
            var segment = new GrainState<LogSegment<AlarmEntry>>(new LogSegment<AlarmEntry>());
            await storage.ReadStateAsync(AlarmInboxGrain.PageKind, GrainId.Create(AlarmInboxGrain.PageKind, $"{userId:N}/{page}"), segment);
            if (segment.RecordExists && segment.State is { Items.Count: > 0 })
            {
                stored.Add((page, segment.State.Items.Count));
            }
        }

        // Pages 0..11 hold only alarms beyond the newest 500 and are gone; page 12 still holds kept ones.
        Assert.Equal(Enumerable.Range(12, raised / pageSize - 12).Select(page => (long)page), stored.Select(s => s.Page));
        Assert.All(stored, s => Assert.Equal(pageSize, s.Alarms));
        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var kept = await inbox.ListAllAsync();
        Assert.Equal(Enumerable.Range(raised - AlarmInboxGrain.Capacity + 1, AlarmInboxGrain.Capacity).Select(seq => (long)seq), kept.Select(a => a.Seq));
        Assert.Equal(raised + 1, await inbox.Raise(AlarmDrafts.RoomJoined()));
    }

    [Fact]
    public async Task AfterSeqPagesAscendingAndEndsEmpty()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(7);

        var first = await inbox.List(0, 3);
        var second = await inbox.List(3, 3);
        var third = await inbox.List(6, 3);
        var past = await inbox.List(7, 3);

        Assert.Equal([1, 2, 3], first.Items.Select(a => a.Seq));
        Assert.Equal([4, 5, 6], second.Items.Select(a => a.Seq));
        Assert.Equal([7], third.Items.Select(a => a.Seq));
        Assert.Empty(past.Items);
        Assert.Equal(7, past.LastSeq);
    }

    [Fact]
    public async Task WithoutAfterSeqListsTheNewestAscending()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(10);

        var page = await inbox.List(null, 4);

        Assert.Equal([7, 8, 9, 10], page.Items.Select(a => a.Seq));
    }

    [Fact]
    public async Task AnEmptyInboxListsNothing()
    {
        var page = await NewInbox().List(null, 50);

        Assert.Empty(page.Items);
        Assert.Equal(0, page.UnreadCount);
        Assert.Equal(0, page.LastSeq);
    }

    [Fact]
    public async Task AnAlarmKeepsWhatWasRaisedAndWhen()
    {
        var inbox = NewInbox();
        var draft = new AlarmDraft(Guid.NewGuid(), AlarmType.CommentReply, "bob replied to your comment", Guid.NewGuid(), Guid.NewGuid(), null, "bob");
        var before = DateTimeOffset.UtcNow;

        await inbox.Raise(draft);

        var alarm = Assert.Single((await inbox.List(null, 10)).Items);
        Assert.Equal(new Alarm(draft.AlarmId, 1, draft.Type, draft.Text, draft.RoomId, draft.CommentId, null, "bob", alarm.CreatedAt, false), alarm);
        Assert.InRange(alarm.CreatedAt, before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task LongTextsAreCutTo200Characters()
    {
        var inbox = NewInbox();

        await inbox.Raise(AlarmDrafts.RoomJoined(new string('x', 199) + "😀 and more"));

        var text = Assert.Single((await inbox.List(null, 10)).Items).Text;
        Assert.Equal(new string('x', 199), text);
    }

    [Fact]
    public async Task MarkReadMarksUpToTheGivenSeqOnly()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(5);

        await inbox.MarkRead(3);

        var page = await inbox.List(null, 10);
        Assert.Equal([true, true, true, false, false], page.Items.Select(a => a.Read));
        Assert.Equal(2, page.UnreadCount);
    }

    [Fact]
    public async Task MarkReadNeverUnmarks()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(5);
        await inbox.MarkRead(4);

        await inbox.MarkRead(2);

        Assert.Equal(1, (await inbox.List(null, 10)).UnreadCount);
    }

    [Fact]
    public async Task AlarmsRaisedAfterMarkingBeyondTheLastSeqArriveUnread()
    {
        var inbox = NewInbox();
        await inbox.RaiseAsync(2);
        await inbox.MarkRead(1_000);

        await inbox.RaiseAsync(1);

        var page = await inbox.List(null, 10);
        Assert.Equal([true, true, false], page.Items.Select(a => a.Read));
        Assert.Equal(1, page.UnreadCount);
    }

    [Theory]
    [InlineData(null, 0, "limit")]
    [InlineData(null, 101, "limit")]
    [InlineData(-1L, 10, "afterSeq")]
    public async Task OutOfRangeArgumentsAreValidationErrorsNamingTheArgument(long? afterSeq, int limit, string field)
    {
        var error = await Assert.ThrowsAsync<DomainException>(() => NewInbox().List(afterSeq, limit));

        Assert.Equal(ErrorCodes.Validation, error.Code);
        Assert.Equal([field], error.FieldErrors!.Keys);
    }
}
