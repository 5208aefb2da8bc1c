using System.Collections.Immutable;
using Partner.Catalog;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

/// <summary>
/// The random matcher on its own: compatibility, group formation for several group sizes, agreed values,
/// oldest-first fairness, and a seeded simulation of the queue checked against a brute-force search.
/// </summary>
public sealed class RandomMatcherRules
{
    private const string Seocho = "SEOCHO";
    private const string Gaepo = "GAEPO";
    private const string Out = "OUT_OF_CLUSTER";

    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly DimensionDefinition Place = new("place", [Seocho, Gaepo, Out], true);
    private static readonly DimensionDefinition TimeOfEating = new("timeOfEating", ["BREAKFAST", "LUNCH", "DUNCH", "DINNER", "MIDNIGHT"], true);
    private static readonly DimensionDefinition WayOfEating = new("wayOfEating", ["DELIVERY", "EATOUT", "TAKEOUT"], true);
    private static readonly DimensionDefinition TypeOfStudy = new("typeOfStudy", ["INNER_CIRCLE", "NOT_INNER_CIRCLE"], true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void OverlappingSetsFormAGroupOnceTheGroupSizeIsReached(int size)
    {
        var matcher = new RandomMatcher(Meal(size));
        string[][] places = [[Gaepo, Seocho], [Out, Seocho], [Seocho, Gaepo, Out], [Seocho]];
        var tickets = Enumerable.Range(0, size).Select(i => Ticket(matcher, i + 1, ("place", places[i]), ("timeOfEating", ["LUNCH", "DINNER"]))).ToArray();

        for (var i = 0; i < size - 1; i++)
        {
            Assert.Null(Arrive(matcher, tickets[i]));
        }

        Assert.All(tickets, a => Assert.All(tickets, b => Assert.True(RandomMatcher.Compatible(a, b))));
        var group = Arrive(matcher, tickets[^1]);
        Assert.Equal(tickets, group);
        Assert.Equal(new[] { Seocho }, matcher.Agreed(group!)["place"]);
        Assert.Equal(new[] { "LUNCH" }, matcher.Agreed(group!)["timeOfEating"]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void AWaitingTicketDisjointFromTheNewcomerKeepsTheGroupFromForming(int size)
    {
        var matcher = new RandomMatcher(Meal(size));
        var waiting = new List<WaitingTicket> { Ticket(matcher, 1, ("place", [Gaepo])) };
        waiting.AddRange(Enumerable.Range(2, size - 2).Select(seq => Ticket(matcher, seq)));
        foreach (var ticket in waiting)
        {
            Assert.Null(Arrive(matcher, ticket));
        }

        var seocho = Ticket(matcher, 100, ("place", [Seocho]));
        Assert.False(RandomMatcher.Compatible(waiting[0], seocho));
        Assert.Null(Arrive(matcher, seocho));

        var gaepo = Ticket(matcher, 101, ("place", [Gaepo, Out]));
        Assert.Equal([.. waiting, gaepo], Arrive(matcher, gaepo));
    }

    [Fact]
    public void TicketsDisjointInAnyOneDimensionAreIncompatible()
    {
        var matcher = new RandomMatcher(Meal());
        var lunch = Ticket(matcher, 1, ("place", [Gaepo]), ("timeOfEating", ["LUNCH", "DUNCH"]), ("wayOfEating", ["EATOUT"]));
        var dinner = Ticket(matcher, 2, ("place", [Gaepo]), ("timeOfEating", ["DINNER", "MIDNIGHT"]), ("wayOfEating", ["EATOUT"]));
        var dunch = Ticket(matcher, 3, ("place", [Gaepo]), ("timeOfEating", ["DUNCH", "DINNER"]), ("wayOfEating", ["EATOUT"]));

        Assert.False(RandomMatcher.Compatible(lunch, dinner));
        Assert.True(RandomMatcher.Compatible(lunch, dunch));
        Assert.Null(Arrive(matcher, lunch));
        Assert.Null(Arrive(matcher, dinner));
        Assert.Equal([lunch, dunch], Arrive(matcher, dunch));
    }

    [Fact]
    public void PairwiseCompatibleTicketsWithoutACommonValueDoNotFormAGroupOfThree()
    {
        var matcher = new RandomMatcher(Meal(3));
        var a = Ticket(matcher, 1, ("place", [Gaepo, Seocho]));
        var b = Ticket(matcher, 2, ("place", [Seocho, Out]));
        var c = Ticket(matcher, 3, ("place", [Gaepo, Out]));

        Assert.True(RandomMatcher.Compatible(a, b));
        Assert.True(RandomMatcher.Compatible(b, c));
        Assert.True(RandomMatcher.Compatible(a, c));
        Assert.Null(Arrive(matcher, a));
        Assert.Null(Arrive(matcher, b));
        Assert.Null(Arrive(matcher, c));
        Assert.Throws<InvalidOperationException>(() => matcher.Agreed([a, b, c]));

        var d = Ticket(matcher, 4, ("place", [Seocho]));
        Assert.Equal([a, b, d], Arrive(matcher, d));
    }

    [Fact]
    public void AMissingDimensionAcceptsEveryValue()
    {
        var matcher = new RandomMatcher(Meal());
        var anywhere = Ticket(matcher, 1, ("timeOfEating", ["LUNCH"]));

        Assert.Equal(0b111UL, anywhere.Masks[0]);
        Assert.Equal(0b00010UL, anywhere.Masks[1]);
        Assert.Equal(0b111UL, anywhere.Masks[2]);
        Assert.Equal(9, anywhere.Cells.Distinct().Count());
        foreach (var place in Place.Values)
        {
            var fresh = new RandomMatcher(Meal());
            var waiting = Ticket(fresh, 1, ("timeOfEating", ["LUNCH"]));
            fresh.Add(waiting);
            var newcomer = Ticket(fresh, 2, ("place", [place]), ("timeOfEating", ["LUNCH"]), ("wayOfEating", ["TAKEOUT"]));
            var group = fresh.FindGroup(newcomer);
            Assert.Equal([waiting, newcomer], group);
            Assert.Equal(new[] { place }, fresh.Agreed(group!)["place"]);
            Assert.Equal(new[] { "TAKEOUT" }, fresh.Agreed(group!)["wayOfEating"]);
        }
    }

    [Fact]
    public void AnEmptyArrayAcceptsEveryValueLikeAMissingDimension()
    {
        var matcher = new RandomMatcher(Meal());
        var empty = Ticket(matcher, 1, ("place", []), ("timeOfEating", []), ("wayOfEating", []));
        var none = Ticket(matcher, 2);

        Assert.Equal(none.Masks, empty.Masks);
        Assert.Equal(3 * 5 * 3, empty.Cells.Distinct().Count());
        foreach (var place in Place.Values)
        {
            var fresh = new RandomMatcher(Meal());
            var waiting = Ticket(fresh, 1, ("place", []));
            fresh.Add(waiting);
            var newcomer = Ticket(fresh, 2, ("place", [place]), ("timeOfEating", ["MIDNIGHT"]));
            Assert.Equal([waiting, newcomer], fresh.FindGroup(newcomer));
        }
    }

    [Fact]
    public void TheAgreedValueIsTheFirstCommonValueInCatalogOrder()
    {
        var matcher = new RandomMatcher(Meal());
        var a = Ticket(matcher, 1, ("place", [Out, Seocho]), ("timeOfEating", ["MIDNIGHT", "DINNER", "LUNCH"]));
        var b = Ticket(matcher, 2, ("place", [Out, Seocho]), ("timeOfEating", ["MIDNIGHT", "DINNER"]), ("wayOfEating", ["TAKEOUT", "EATOUT"]));
        matcher.Add(a);

        var group = matcher.FindGroup(b);
        Assert.Equal([a, b], group);
        var agreed = matcher.Agreed(group!);
        Assert.Equal(new[] { "place", "timeOfEating", "wayOfEating" }, agreed.Keys.Order());
        Assert.Equal(new[] { Seocho }, agreed["place"]);
        Assert.Equal(new[] { "DINNER" }, agreed["timeOfEating"]);
        Assert.Equal(new[] { "EATOUT" }, agreed["wayOfEating"]);
    }

    [Fact]
    public void AGroupOfThreeAgreesOnTheFirstValueAllThreeAccept()
    {
        var matcher = new RandomMatcher(Meal(3));
        var a = Ticket(matcher, 1, ("place", [Out, Gaepo]), ("wayOfEating", ["TAKEOUT", "DELIVERY"]));
        var b = Ticket(matcher, 2, ("wayOfEating", ["TAKEOUT", "EATOUT"]));
        var c = Ticket(matcher, 3, ("place", [Out, Gaepo, Seocho]));

        var agreed = matcher.Agreed([a, b, c]);
        Assert.Equal(new[] { Gaepo }, agreed["place"]);
        Assert.Equal(new[] { "BREAKFAST" }, agreed["timeOfEating"]);
        Assert.Equal(new[] { "TAKEOUT" }, agreed["wayOfEating"]);
    }

    [Fact]
    public void ANewcomerWhoFitsSeveralWaitingTicketsTakesTheOldest()
    {
        var matcher = new RandomMatcher(Meal());
        var gaepo = Ticket(matcher, 1, ("place", [Gaepo]));
        var seocho = Ticket(matcher, 2, ("place", [Seocho]));
        var anywhere = Ticket(matcher, 3);

        Assert.Null(Arrive(matcher, gaepo));
        Assert.Null(Arrive(matcher, seocho));
        Assert.Equal([gaepo, anywhere], Arrive(matcher, anywhere));

        var another = Ticket(matcher, 4, ("place", [Gaepo, Seocho]));
        Assert.Equal([seocho, another], Arrive(matcher, another));
    }

    [Fact]
    public void TheOldestMatchableTicketWinsOverAYoungerPair()
    {
        var matcher = new RandomMatcher(Meal(3));
        var t1 = Ticket(matcher, 1, ("place", [Gaepo]));
        var t2 = Ticket(matcher, 2, ("place", [Seocho]));
        var t3 = Ticket(matcher, 3, ("place", [Seocho]));
        var t4 = Ticket(matcher, 4, ("place", [Out]));
        var t5 = Ticket(matcher, 5, ("place", [Gaepo]));
        foreach (var ticket in new[] { t1, t2, t3, t4, t5 })
        {
            Assert.Null(Arrive(matcher, ticket));
        }

        var anywhere = Ticket(matcher, 6);
        Assert.Equal([t1, t5, anywhere], Arrive(matcher, anywhere));

        var seocho = Ticket(matcher, 7, ("place", [Seocho, Gaepo]));
        Assert.Equal([t2, t3, seocho], Arrive(matcher, seocho));
    }

    [Fact]
    public void ADimensionNotMatchedInRandomIsIgnored()
    {
        var mood = new DimensionDefinition("mood", ["QUIET", "LOUD"], false);
        var matcher = new RandomMatcher(new CategoryDefinition("STUDY", [Place, mood, TypeOfStudy], 2));
        var quiet = Ticket(matcher, 1, ("place", [Seocho]), ("mood", ["QUIET"]), ("typeOfStudy", ["INNER_CIRCLE"]));
        var loud = Ticket(matcher, 2, ("place", [Seocho]), ("mood", ["LOUD"]), ("typeOfStudy", ["INNER_CIRCLE"]));
        var outer = Ticket(matcher, 3, ("place", [Seocho]), ("mood", ["QUIET"]), ("typeOfStudy", ["NOT_INNER_CIRCLE"]));
        var moodOnly = Ticket(matcher, 4, ("mood", ["LOUD"]));

        Assert.Equal([0b001UL, 0b01UL], quiet.Masks);
        Assert.Equal([0b111UL, 0b11UL], moodOnly.Masks);
        Assert.Single(quiet.Cells);
        Assert.Equal(6, moodOnly.Cells.Distinct().Count());
        Assert.True(RandomMatcher.Compatible(quiet, loud));
        Assert.False(RandomMatcher.Compatible(quiet, outer));

        matcher.Add(quiet);
        var group = matcher.FindGroup(loud);
        Assert.Equal([quiet, loud], group);
        var agreed = matcher.Agreed(group!);
        Assert.Equal(new[] { "place", "typeOfStudy" }, agreed.Keys.Order());
        Assert.Equal(new[] { Seocho }, agreed["place"]);
        Assert.Equal(new[] { "INNER_CIRCLE" }, agreed["typeOfStudy"]);
    }

    [Fact]
    public void TicketsThatAreNoLongerUsableAreNeverChosen()
    {
        var matcher = new RandomMatcher(Meal());
        var expiring = Ticket(matcher, 1, ("place", [Gaepo]), expiresAt: Start.AddMinutes(1));
        var lasting = Ticket(matcher, 2, ("place", [Gaepo]), expiresAt: Start.AddMinutes(30));
        matcher.Add(expiring);
        matcher.Add(lasting);
        var newcomer = Ticket(matcher, 3, ("place", [Gaepo]));

        Assert.Equal([expiring, newcomer], matcher.FindGroup(newcomer));
        Assert.Equal([expiring, newcomer], matcher.FindGroup(newcomer, t => t.ExpiresAt > Start));
        Assert.Equal([lasting, newcomer], matcher.FindGroup(newcomer, t => t.ExpiresAt > Start.AddMinutes(5)));
        Assert.Null(matcher.FindGroup(newcomer, t => t.ExpiresAt > Start.AddHours(1)));
    }

    [Fact]
    public void ATicketOfTheNewcomersOwnUserIsNeverChosen()
    {
        var matcher = new RandomMatcher(Meal(3));
        var alice = Guid.NewGuid();
        var old = matcher.Ticket(1, alice, "alice", When(), Start, Start.AddMinutes(30));
        var bob = matcher.Ticket(2, Guid.NewGuid(), "bob", When(), Start, Start.AddMinutes(30));
        matcher.Add(old);
        matcher.Add(bob);

        var again = matcher.Ticket(3, alice, "alice", When(), Start, Start.AddMinutes(30));
        Assert.Null(matcher.FindGroup(again));

        var carol = matcher.Ticket(4, Guid.NewGuid(), "carol", When(), Start, Start.AddMinutes(30));
        Assert.Equal([old, bob, carol], matcher.FindGroup(carol));
        matcher.Add(carol);
        Assert.Equal([bob, again, carol], matcher.FindGroup(again));
    }

    [Fact]
    public void RemoveTakesATicketOutOfEveryCell()
    {
        var matcher = new RandomMatcher(Meal());
        var anywhere = Ticket(matcher, 1);
        var gaepo = Ticket(matcher, 2, ("place", [Gaepo]));
        matcher.Add(anywhere);
        matcher.Add(gaepo);
        var singleCells = (
            from place in Place.Values
            from time in TimeOfEating.Values
            from way in WayOfEating.Values
            select Ticket(matcher, 10, ("place", [place]), ("timeOfEating", [time]), ("wayOfEating", [way]))).ToArray();

        Assert.All(singleCells, newcomer => Assert.Equal([anywhere, newcomer], matcher.FindGroup(newcomer)));

        matcher.Remove(anywhere);

        Assert.All(singleCells, newcomer =>
        {
            var expected = newcomer.Conditions["place"][0] == Gaepo ? [gaepo, newcomer] : (WaitingTicket[]?)null;
            Assert.Equal(expected, matcher.FindGroup(newcomer));
        });

        matcher.Remove(gaepo);

        Assert.All(singleCells, newcomer => Assert.Null(matcher.FindGroup(newcomer)));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryArrivalGetsTheOldestGroupABruteForceSearchFindsAndNoGroupIsLeftWaiting(int seed)
    {
        var random = new Random(seed);
        var size = random.Next(2, 6);
        var dimensions = Enumerable.Range(0, random.Next(2, 4))
            .Select(d => new DimensionDefinition($"dim{d}", [$"A{d}", $"B{d}", $"C{d}"], true))
            .ToList();
        dimensions.Insert(random.Next(dimensions.Count + 1), new DimensionDefinition("ignored", ["X", "Y", "Z"], false));
        var matched = dimensions.Where(d => d.MatchedInRandom).ToArray();
        var matcher = new RandomMatcher(new CategoryDefinition("PROPERTY", [.. dimensions], size));
        var users = Enumerable.Range(1, 16).Select(UserId).ToArray();
        var accepts = new Dictionary<WaitingTicket, int[]>();
        var waiting = new List<WaitingTicket>();
        var now = Start;
        var seq = 0L;

        for (var step = 0; step < 40; step++)
        {
            now = now.AddSeconds(random.Next(0, 60));
            var at = now;
            bool Usable(WaitingTicket ticket) => ticket.ExpiresAt > at;
            var action = random.Next(10);
            var context = $"seed {seed}, size {size}, step {step}";
            if (action == 0 && waiting.Count > 0)
            {
                var cancelled = waiting[random.Next(waiting.Count)];
                matcher.Remove(cancelled);
                waiting.Remove(cancelled);
            }
            else if (action == 1)
            {
                foreach (var expired in waiting.Where(t => !Usable(t)).ToArray())
                {
                    matcher.Remove(expired);
                    waiting.Remove(expired);
                }
            }
            else
            {
                var free = users.Where(u => !waiting.Any(t => t.UserId == u && Usable(t))).ToArray();
                var user = free.Length > 0 ? free[random.Next(free.Length)] : UserId(1000 + step);
                var conditions = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>();
                var masks = new List<int>();
                foreach (var dimension in dimensions)
                {
                    var kind = random.Next(4);
                    var bits = kind < 2 ? 0b111 : random.Next(1, 8);
                    if (kind == 1)
                    {
                        conditions[dimension.Name] = [];
                    }
                    else if (kind > 1)
                    {
                        conditions[dimension.Name] = [.. Enumerable.Range(0, 3).Where(i => (bits & (1 << i)) != 0).OrderBy(_ => random.Next()).Select(i => dimension.Values[i])];
                    }

                    if (dimension.MatchedInRandom)
                    {
                        masks.Add(bits);
                    }
                }

                var newcomer = matcher.Ticket(++seq, user, $"user{seq}", conditions.ToImmutable(), now, now.AddSeconds(random.Next(60, 600)));
                accepts[newcomer] = [.. masks];
                foreach (var other in waiting)
                {
                    Assert.True(Joint([newcomer, other], accepts) == RandomMatcher.Compatible(newcomer, other), $"{context}: Compatible disagrees for #{newcomer.Seq} and #{other.Seq}");
                }

                var candidates = waiting.Where(t => Usable(t) && t.UserId != user).OrderBy(t => t.Seq).ToArray();
                var expected = OldestGroup(newcomer, candidates, size, accepts);
                var group = matcher.FindGroup(newcomer, Usable);
                Assert.True(Describe(expected) == Describe(group), $"{context}: #{newcomer.Seq} expected {Describe(expected)}, got {Describe(group)}");
                if (group is null)
                {
                    matcher.Add(newcomer);
                    waiting.Add(newcomer);
                }
                else
                {
                    Assert.Equal(size, group.Length);
                    Assert.Contains(newcomer, group);
                    Assert.All(group, member => Assert.True(member == newcomer || (waiting.Contains(member) && Usable(member)), $"{context}: #{member.Seq} was not a usable waiting ticket"));
                    Assert.True(group.Select(t => t.UserId).Distinct().Count() == size, $"{context}: {Describe(group)} repeats a user");
                    Assert.True(Joint(group, accepts), $"{context}: {Describe(group)} has no common value in some dimension");
                    var agreed = matcher.Agreed(group);
                    Assert.Equal(matched.Length, agreed.Count);
                    for (var d = 0; d < matched.Length; d++)
                    {
                        var common = group.Aggregate(0b111, (bits, member) => bits & accepts[member][d]);
                        var first = Enumerable.Range(0, 3).First(i => (common & (1 << i)) != 0);
                        Assert.Equal(new[] { matched[d].Values[first] }, agreed[matched[d].Name]);
                    }

                    foreach (var member in group.Where(t => t != newcomer))
                    {
                        matcher.Remove(member);
                        waiting.Remove(member);
                    }
                }
            }

            var usable = waiting.Where(Usable).OrderBy(t => t.Seq).ToArray();
            var leftOver = JointSubsets(usable, size, [.. Enumerable.Repeat(0b111, matched.Length)], accepts);
            Assert.True(leftOver.Count == 0, $"{context}: {Describe(leftOver.FirstOrDefault())} could form a group but waits");
        }
    }

    [Fact]
    public void TheConstructorRejectsACategoryWithMoreThanMaxCellsCells()
    {
        var sixtyFour = Values(64);
        var largest = new CategoryDefinition("LARGEST", [new("a", sixtyFour, true), new("b", sixtyFour, true), new("c", Values(RandomMatcher.MaxCells / 64 / 64), true)], 2);
        var ignoredExtra = largest with { Dimensions = largest.Dimensions.Add(new("d", sixtyFour, false)) };
        var tooLarge = largest with { Dimensions = [new("a", sixtyFour, true), new("b", sixtyFour, true), new("c", Values((RandomMatcher.MaxCells / 64 / 64) + 1), true)] };

        Assert.Equal(2, new RandomMatcher(largest).GroupSize);
        Assert.Equal(2, new RandomMatcher(ignoredExtra).GroupSize);
        Assert.Throws<ArgumentException>(() => new RandomMatcher(tooLarge));
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(16, 16)]
    [InlineData(41, 3)]
    [InlineData(40, 2)]
    public void TheConstructorRejectsCellCountsThatOverflowALong(int dimensions, int values)
    {
        var category = new CategoryDefinition("HUGE", [.. Enumerable.Range(0, dimensions).Select(d => new DimensionDefinition($"d{d}", Values(values), true))], 2);

        Assert.Throws<ArgumentException>(() => new RandomMatcher(category));
    }

    [Fact]
    public void TheConstructorRejectsGroupsOfFewerThanTwoAndDimensionsOfMoreThanSixtyFourValues()
    {
        Assert.Throws<ArgumentException>(() => new RandomMatcher(Meal(1)));
        Assert.Throws<ArgumentException>(() => new RandomMatcher(new CategoryDefinition("WIDE", [new("a", Values(65), true)], 2)));
        Assert.Equal(2, new RandomMatcher(new CategoryDefinition("WIDE", [new("a", Values(64), true)], 2)).GroupSize);
    }

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 200; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    private static CategoryDefinition Meal(int groupSize = 2) => new("MEAL", [Place, TimeOfEating, WayOfEating], groupSize);

    private static ImmutableArray<string> Values(int count) => [.. Enumerable.Range(0, count).Select(i => $"V{i}")];

    private static Guid UserId(int number) => new(number, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]);

    private static ImmutableDictionary<string, ImmutableArray<string>> When(params (string Dimension, string[] Values)[] conditions) =>
        conditions.ToImmutableDictionary(c => c.Dimension, c => c.Values.ToImmutableArray());

    private static WaitingTicket Ticket(RandomMatcher matcher, long seq, params (string Dimension, string[] Values)[] conditions) =>
        matcher.Ticket(seq, Guid.NewGuid(), $"user{seq}", When(conditions), Start, Start.AddMinutes(30));

    private static WaitingTicket Ticket(RandomMatcher matcher, long seq, (string Dimension, string[] Values) condition, DateTimeOffset expiresAt) =>
        matcher.Ticket(seq, Guid.NewGuid(), $"user{seq}", When(condition), Start, expiresAt);

    private static WaitingTicket[]? Arrive(RandomMatcher matcher, WaitingTicket newcomer)
    {
        var group = matcher.FindGroup(newcomer);
        if (group is null)
        {
            matcher.Add(newcomer);
            return null;
        }

        foreach (var member in group.Where(t => t != newcomer))
        {
            matcher.Remove(member);
        }

        return group;
    }

    private static bool Joint(IEnumerable<WaitingTicket> tickets, Dictionary<WaitingTicket, int[]> accepts)
    {
        var common = tickets.Select(t => accepts[t]).Aggregate((a, b) => [.. a.Zip(b, (x, y) => x & y)]);
        return common.All(bits => bits != 0);
    }

    private static WaitingTicket[]? OldestGroup(WaitingTicket newcomer, WaitingTicket[] candidates, int size, Dictionary<WaitingTicket, int[]> accepts)
    {
        WaitingTicket[]? best = null;
        foreach (var others in JointSubsets(candidates, size - 1, accepts[newcomer], accepts))
        {
            if (best is null || Older(others, best))
            {
                best = others;
            }
        }

        return best is null ? null : [.. best.Append(newcomer).OrderBy(t => t.Seq)];
    }

    private static List<WaitingTicket[]> JointSubsets(WaitingTicket[] tickets, int count, int[] common, Dictionary<WaitingTicket, int[]> accepts)
    {
        var found = new List<WaitingTicket[]>();
        var chosen = new Stack<WaitingTicket>();

        void Extend(int from, int[] bits)
        {
            if (bits.Any(b => b == 0))
            {
                return;
            }

            if (chosen.Count == count)
            {
                found.Add([.. chosen.OrderBy(t => t.Seq)]);
                return;
            }

            for (var i = from; i < tickets.Length; i++)
            {
                chosen.Push(tickets[i]);
                Extend(i + 1, [.. bits.Zip(accepts[tickets[i]], (x, y) => x & y)]);
                chosen.Pop();
            }
        }

        Extend(0, common);
        return found;
    }

    private static bool Older(WaitingTicket[] a, WaitingTicket[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i].Seq != b[i].Seq)
            {
                return a[i].Seq < b[i].Seq;
            }
        }

        return false;
    }

    private static string Describe(WaitingTicket[]? group) => group is null ? "no group" : string.Join(", ", group.Select(t => $"#{t.Seq}"));
}
