using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Partner.Tests.Api;

namespace Partner.Tests.Rooms;

/// <summary>The embedded API whose school calendar reads a fake clock: 2028-02-28T15:30Z, already the leap day 2028-02-29 in Seoul.</summary>
public sealed class LeapDayApi : IDisposable
{
    public static readonly DateTimeOffset Now = new(2028, 2, 28, 15, 30, 0, TimeSpan.Zero);

    public PartnerApiFactory Factory { get; } = new()
    {
        ExtraServices = services => services.AddSingleton(provider => new SchoolCalendar(provider.GetRequiredService<IOptions<SchoolOptions>>(), new FakeTimeProvider(Now))),
    };

    public void Dispose() => Factory.Dispose();
}

/// <summary>A room meets from today until one year ahead, both in the school's time zone.</summary>
public sealed class RoomDateLimits(LeapDayApi api) : IClassFixture<LeapDayApi>
{
    private readonly PartnerApiFactory factory = api.Factory;

    [Theory]
    [InlineData("2028-02-29")]
    [InlineData("2029-02-28")]
    public async Task TodayUntilOneYearAheadIsAccepted(string date)
    {
        var owner = await factory.SignInAsync();

        var room = await owner.CreateRoomAsync(RoomRequests.Body(date: date));

        Assert.Equal(date, room.GetProperty("date").GetString());
    }

    [Fact]
    public async Task OneYearAndADayAheadIsRefusedNamingDate()
    {
        var owner = await factory.SignInAsync();

        var response = await owner.Http.PostAsJsonAsync("/api/rooms", RoomRequests.Body(date: "2029-03-01"));

        var problem = await Problem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation", problem.Code);
        Assert.True(problem.Errors.ContainsKey("date"), problem.Raw);
    }

    [Fact]
    public async Task YesterdayInTheSchoolsTimeZoneIsInThePast()
    {
        var owner = await factory.SignInAsync();

        var response = await owner.Http.PostAsJsonAsync("/api/rooms", RoomRequests.Body(date: "2028-02-28"));

        Assert.Equal("room.date-in-past", (await Problem.ReadAsync(response, HttpStatusCode.BadRequest)).Code);
    }

    [Fact]
    public async Task AnEditCannotMoveTheMeetingPastOneYear()
    {
        var owner = await factory.SignInAsync();
        var room = await owner.CreateRoomAsync(RoomRequests.Body(date: "2028-03-10"));

        var tooFar = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(date: "2029-03-01"));
        var farthest = await owner.Http.PutAsJsonAsync($"/api/rooms/{room.Id()}", RoomRequests.Body(date: "2029-02-28"));

        Assert.True((await Problem.ReadAsync(tooFar, HttpStatusCode.BadRequest)).Errors.ContainsKey("date"));
        Assert.Equal(HttpStatusCode.OK, farthest.StatusCode);
        Assert.Equal("2029-02-28", (await farthest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("date").GetString());
    }
}
