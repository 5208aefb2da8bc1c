using Microsoft.Extensions.DependencyInjection;
using Partner.Alarms;
using Partner.Tests.Api;
using Partner.Tests.Matches;

namespace Partner.Tests.Alarms;

/// <summary>A full page of alarms is written before the inbox's own row; a crash in between loses and duplicates nothing.</summary>
public sealed class InboxPageFaults : IDisposable
{
    private readonly FaultInjection faults = new();
    private readonly PartnerApiFactory factory;

    public InboxPageFaults() => factory = new PartnerApiFactory { ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(faults) };

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task ARowWriteFailingAfterItsPageIsWrittenLosesAndDuplicatesNothing()
    {
        var userId = Guid.NewGuid();
        var inbox = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlarmInboxGrain>(userId);
        await inbox.RaiseAsync(AlarmInboxGrain.PageSize - 1);
        var fiftieth = AlarmDrafts.RoomJoined("the fiftieth");
        faults.FailOnce(context =>
            context.InterfaceMethod?.Name == "WriteStateAsync"
            && context.Request.GetArgumentCount() > 0
            && context.Request.GetArgument(0) is string key
            && key.StartsWith("inbox/", StringComparison.Ordinal)
            && key.Contains(userId.ToString("N"), StringComparison.OrdinalIgnoreCase));

        var failed = await Assert.ThrowsAsync<DomainException>(() => inbox.Raise(fiftieth));
        Assert.Equal(ErrorCodes.Unavailable, failed.Code);

        Assert.Equal(AlarmInboxGrain.PageSize, await inbox.Raise(fiftieth));
        var kept = await inbox.ListAllAsync();
        Assert.Equal(Enumerable.Range(1, AlarmInboxGrain.PageSize).Select(seq => (long)seq), kept.Select(a => a.Seq));
        Assert.Equal(AlarmInboxGrain.PageSize + 1, await inbox.Raise(AlarmDrafts.RoomJoined()));
    }
}
