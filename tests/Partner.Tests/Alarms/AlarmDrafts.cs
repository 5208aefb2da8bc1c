using Partner.Alarms;

namespace Partner.Tests.Alarms;

public static class AlarmDrafts
{
    public static AlarmDraft RoomJoined(string text = "bob joined your room") =>
        new(Guid.NewGuid(), AlarmType.RoomJoined, text, Guid.NewGuid(), null, null, "bob");

    /// <summary>Raises <paramref name="count"/> alarms one after another and returns their seqs.</summary>
    public static async Task<List<long>> RaiseAsync(this IAlarmInboxGrain inbox, int count)
    {
        var seqs = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            seqs.Add(await inbox.Raise(RoomJoined($"alarm {i + 1}")));
        }

        return seqs;
    }

    /// <summary>Every kept alarm, paging from the start by afterSeq as a client catching up would.</summary>
    public static async Task<List<Alarm>> ListAllAsync(this IAlarmInboxGrain inbox)
    {
        var all = new List<Alarm>();
        var after = 0L;
        while (true)
        {
            var page = await inbox.List(after, 100);
            if (page.Items.IsEmpty)
            {
                return all;
            }

            all.AddRange(page.Items);
            after = page.Items[^1].Seq;
        }
    }
}
