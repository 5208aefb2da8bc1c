using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using System.Text.Json;
using Partner.Api.Hosting;

namespace Partner.Tests.Api;

public sealed class JsonConventions
{
    private static readonly JsonSerializerOptions Options = Create();

    [Fact]
    public void EnumsAreWrittenAsUpperCaseStrings() =>
        Assert.Equal("""{"type":"TICKET_EXPIRED","status":"OPEN"}""", JsonSerializer.Serialize(new Sample(SampleType.TicketExpired, SampleStatus.Open), Options));

    [Theory]
    [InlineData("TICKET_EXPIRED")]
    [InlineData("ticket_expired")]
    [InlineData("Ticket_Expired")]
    [InlineData("TicketExpired")]
    public void EnumsAreReadCaseInsensitively(string text) =>
        Assert.Equal(SampleType.TicketExpired, JsonSerializer.Deserialize<Sample>($$"""{"type":"{{text}}","status":"open"}""", Options)!.Type);

    [Theory]
    [InlineData("\"EXPIRED\"")]
    [InlineData("1")]
    public void UnknownNamesAndNumbersAreRejected(string value) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Sample>($$"""{"type":{{value}},"status":"OPEN"}""", Options));

    [Fact]
    public void NullsAreOmitted() =>
        Assert.Equal("""{"status":"OPEN"}""", JsonSerializer.Serialize(new Sample(null, SampleStatus.Open), Options));

    [Fact]
    public void HttpAndSignalRUseTheSameConventions()
    {
        using var factory = new PartnerApiFactory();
        var http = factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var signalR = factory.Services.GetRequiredService<IOptions<JsonHubProtocolOptions>>().Value.PayloadSerializerOptions;
        var sample = new Sample(SampleType.RoomJoined, SampleStatus.Completed);

        Assert.Equal("""{"type":"ROOM_JOINED","status":"COMPLETED"}""", JsonSerializer.Serialize(sample, http));
        Assert.Equal(JsonSerializer.Serialize(sample, http), JsonSerializer.Serialize(sample, signalR));
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        return options;
    }

    private enum SampleType { RoomJoined, TicketExpired }

    private enum SampleStatus { Open, Completed }

    private sealed record Sample(SampleType? Type, SampleStatus Status);
}
