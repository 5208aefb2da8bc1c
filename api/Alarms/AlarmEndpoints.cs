using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Partner.Alarms;
using Partner.Api.Auth;
using Partner.Api.Hosting;

namespace Partner.Api.Alarms;

public static class AlarmEndpoints
{
    private const int DefaultLimit = 50;

    public static RouteGroupBuilder MapAlarms(this IEndpointRouteBuilder app)
    {
        var alarms = app.MapGroup("/api/alarms").WithTags("Alarms").RequireAuthorization();
        alarms.MapGet("", List).WithSummary("My alarms ascending by seq: those after afterSeq, or the newest; limit 1..100, default 50.");
        alarms.MapPost("/read", MarkRead).RequireActiveUser().WithSummary("Marks my alarms up to upToSeq read.");
        return alarms;
    }

    /// <summary>Query values arrive as text so that a bad one is answered naming its field; the limit's range is the inbox's rule.</summary>
    private static async Task<Ok<AlarmPageDto>> List(CurrentUser me, IGrainFactory grains, string? afterSeq, string? limit)
    {
        var after = string.IsNullOrEmpty(afterSeq) ? (long?)null
            : long.TryParse(afterSeq, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq
            : throw Errors.Validation("afterSeq", "afterSeq is a whole number, 0 or more.");
        var size = string.IsNullOrEmpty(limit) ? DefaultLimit
            : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count
            : throw Errors.Validation("limit", "limit is a whole number from 1 to 100.");
        var page = await Inbox(me, grains).List(after, size);
        return TypedResults.Ok(AlarmPageDto.From(page));
    }

    private static async Task<NoContent> MarkRead(MarkReadRequest request, CurrentUser me, IGrainFactory grains)
    {
        await Inbox(me, grains).MarkRead(request.UpToSeq!.Value);
        return TypedResults.NoContent();
    }

    private static IAlarmInboxGrain Inbox(CurrentUser me, IGrainFactory grains) => grains.GetGrain<IAlarmInboxGrain>(me.UserId);
}

public sealed record MarkReadRequest([property: Required, Range(0, long.MaxValue, ErrorMessage = "upToSeq must be 0 or more.")] long? UpToSeq);

public sealed record AlarmPageDto(AlarmDto[] Items, int UnreadCount, long LastSeq)
{
    public static AlarmPageDto From(AlarmPage page) => new([.. page.Items.Select(AlarmDto.From)], page.UnreadCount, page.LastSeq);
}

public sealed record AlarmDto(
    Guid AlarmId, long Seq, AlarmType Type, string Text, Guid? RoomId, Guid? CommentId, Guid? MatchId, string? ActorNickname,
    DateTimeOffset CreatedAt, bool Read)
{
    public static AlarmDto From(Alarm alarm) => new(
        alarm.AlarmId, alarm.Seq, alarm.Type, alarm.Text, alarm.RoomId, alarm.CommentId, alarm.MatchId, alarm.ActorNickname,
        alarm.CreatedAt, alarm.Read);
}
