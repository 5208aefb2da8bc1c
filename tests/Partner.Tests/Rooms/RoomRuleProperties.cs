using Microsoft.Extensions.DependencyInjection;
using Partner.Rooms;
using Partner.Tests.Api;
using static Partner.Tests.Infrastructure.DomainOutcomes;

namespace Partner.Tests.Rooms;

/// <summary>
/// Random sequences of commands against real room grains, checked after every step against a
/// model of the rules: 1 ≤ count ≤ capacity, the owner first and always present, completed rooms
/// immutable, and every refusal the one the model predicts. Seeds are fixed, so a failure replays.
/// </summary>
public sealed class RoomRuleProperties(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task AnySequenceOfCommandsKeepsTheRules(int seed)
    {
        var random = new Random(seed);
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var owner = new Actor(Guid.NewGuid(), "owner", false);
        var people = Enumerable.Range(0, 8).Select(i => new Actor(Guid.NewGuid(), $"p{i}", false)).ToArray();
        var capacity = random.Next(2, 6);
        var room = grains.GetGrain<IRoomGrain>(Guid.NewGuid());
        await room.Create(owner, Draft(capacity));
        var model = new HashSet<Guid>();
        var completed = false;

        for (var step = 0; step < 40; step++)
        {
            var who = people[random.Next(people.Length)];
            var command = random.Next(10);
            var context = $"seed {seed}, step {step}, command {command}";
            if (command < 4)
            {
                var expected = completed && !model.Contains(who.UserId) ? ErrorCodes.RoomCompleted
                    : !model.Contains(who.UserId) && model.Count + 1 >= capacity ? ErrorCodes.RoomFull : null;
                var code = await CodeOf(() => room.Join(who));
                Assert.True(expected == code, $"{context}: join expected {expected ?? "ok"}, got {code ?? "ok"}");
                if (code is null)
                {
                    model.Add(who.UserId);
                }
            }
            else if (command < 7)
            {
                var expected = completed ? ErrorCodes.RoomCompleted : !model.Contains(who.UserId) ? ErrorCodes.RoomNotParticipant : null;
                var code = await CodeOf(() => room.Leave(who));
                Assert.True(expected == code, $"{context}: leave expected {expected ?? "ok"}, got {code ?? "ok"}");
                if (code is null)
                {
                    model.Remove(who.UserId);
                }
            }
            else if (command < 9)
            {
                var wanted = random.Next(2, 7);
                var expected = completed ? ErrorCodes.RoomCompleted : wanted < model.Count + 1 ? ErrorCodes.RoomCapacityBelowParticipants : null;
                var code = await CodeOf(() => room.Edit(owner, Draft(wanted), null));
                Assert.True(expected == code, $"{context}: edit to {wanted} expected {expected ?? "ok"}, got {code ?? "ok"}");
                capacity = code is null ? wanted : capacity;
            }
            else if (random.Next(4) == 0)
            {
                var expected = completed ? ErrorCodes.RoomCompleted : model.Count == 0 ? ErrorCodes.RoomTooFewParticipants : null;
                var code = await CodeOf(() => room.Complete(owner));
                Assert.True(expected == code, $"{context}: complete expected {expected ?? "ok"}, got {code ?? "ok"}");
                completed |= code is null;
            }

            var view = await room.Get(owner.UserId);
            Assert.InRange(view.Participants.Length, 1, view.Listing.Capacity);
            Assert.True(view.Participants[0].IsOwner && view.Participants[0].IsMe, $"{context}: the owner comes first");
            Assert.True(model.Count + 1 == view.Participants.Length, $"{context}: {view.Participants.Length} participants, the model says {model.Count + 1}");
            Assert.True(capacity == view.Listing.Capacity, $"{context}: capacity {view.Listing.Capacity}, the model says {capacity}");
            Assert.Equal(completed ? RoomStatus.Completed : model.Count + 1 >= capacity ? RoomStatus.Full : RoomStatus.Open, view.Listing.Status);
        }
    }

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 60; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    private static RoomDraft Draft(int capacity) =>
        new("MEAL", "Property", "Random commands", DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3)), capacity, false, []);
}
