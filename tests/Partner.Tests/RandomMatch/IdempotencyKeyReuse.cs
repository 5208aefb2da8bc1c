using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Partner.Tests.Api;

namespace Partner.Tests.RandomMatch;

/// <summary>An <c>Idempotency-Key</c> answers a retry of the same request, and refuses (422) a different one.</summary>
public sealed class IdempotencyKeyReuse(QueueApi api) : IClassFixture<QueueApi>
{
    private const HttpStatusCode UnprocessableEntity = (HttpStatusCode)422;
    private readonly PartnerApiFactory factory = api.Factory;

    [Fact]
    public async Task TheSameKeyWithTheSameConditionsReturnsTheFirstTicket()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var key = Guid.NewGuid().ToString();
        var first = await (await PutAsync(user, category, key, """{"conditions":{"timeOfEating":["LUNCH"],"place":["SEOCHO","GAEPO"]}}""")).TicketAsync();

        var retried = await PutAsync(user, category, key, """{"conditions":{"place":["gaepo","Seocho","GAEPO"],"TIMEOFEATING":["lunch"],"wayOfEating":[]}}""");

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(first.GetProperty("enqueuedAt").GetDateTimeOffset(), (await retried.TicketAsync()).GetProperty("enqueuedAt").GetDateTimeOffset());
        Assert.Equal(1, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task TheSameKeyWithOtherConditionsIs422AndCreatesNothing()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var key = Guid.NewGuid().ToString();
        await (await PutAsync(user, category, key, """{"conditions":{"place":["GAEPO"]}}""")).TicketAsync();

        var reused = await PutAsync(user, category, key, """{"conditions":{"place":["SEOCHO"]}}""");
        var widened = await PutAsync(user, category, key, """{"conditions":{}}""");

        Assert.Equal("idempotency-key-reused", (await Problem.ReadAsync(reused, UnprocessableEntity)).Code);
        Assert.Equal("idempotency-key-reused", (await Problem.ReadAsync(widened, UnprocessableEntity)).Code);
        var queue = await user.QueueAsync(category);
        Assert.Equal(1, queue.GetProperty("waitingCount").GetInt32());
        Assert.Equal(["GAEPO"], queue.GetProperty("ticket").GetProperty("conditions").GetProperty("place").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task AfterTheTicketWasMatchedTheKeyStillRefusesOtherConditions()
    {
        var category = factory.FreshCategory();
        var ann = await factory.SignInAsync();
        var bob = await factory.SignInAsync();
        var key = Guid.NewGuid().ToString();
        await (await PutAsync(ann, category, key, """{"conditions":{"timeOfEating":["DINNER"]}}""")).TicketAsync();
        var matched = await (await bob.PutTicketAsync(category)).TicketAsync();

        var reused = await PutAsync(ann, category, key, """{"conditions":{"timeOfEating":["LUNCH"]}}""");
        var retried = await PutAsync(ann, category, key, """{"conditions":{"timeOfEating":["dinner"]}}""");

        Assert.Equal("idempotency-key-reused", (await Problem.ReadAsync(reused, UnprocessableEntity)).Code);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var ticket = await retried.TicketAsync();
        Assert.Equal("MATCHED", ticket.GetProperty("status").GetString());
        Assert.Equal(matched.GetProperty("matchId").GetGuid(), ticket.GetProperty("matchId").GetGuid());
        Assert.Equal(0, (await ann.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    [Fact]
    public async Task WhatTheKeyWasUsedWithSurvivesReactivation()
    {
        var category = factory.FreshCategory();
        var user = await factory.SignInAsync();
        var key = Guid.NewGuid().ToString();
        await (await PutAsync(user, category, key, """{"conditions":{"wayOfEating":["TAKEOUT"]}}""")).TicketAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/random-match/{category}/ticket")).StatusCode);

        await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var reused = await PutAsync(user, category, key, """{"conditions":{"wayOfEating":["DELIVERY"]}}""");
        var retried = await PutAsync(user, category, key, """{"conditions":{"wayOfEating":["TAKEOUT"]}}""");

        Assert.Equal("idempotency-key-reused", (await Problem.ReadAsync(reused, UnprocessableEntity)).Code);
        Assert.Equal("CANCELLED", (await retried.TicketAsync()).GetProperty("status").GetString());
        Assert.Equal(0, (await user.QueueAsync(category)).GetProperty("waitingCount").GetInt32());
    }

    private static Task<HttpResponseMessage> PutAsync(SignedInClient user, string category, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/random-match/{category}/ticket")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return user.Http.SendAsync(request);
    }
}
