using System.Collections.Immutable;
using System.Globalization;
using Partner.Catalog;

namespace Partner.Benchmarks;

/// <summary>
/// The in-memory queue's category, declared by configuration: four dimensions matched in random,
/// 10 × 10 × 10 × 12 = 12,000 cells, groups of three. Groups form eagerly, so a cell holds at most two
/// waiting tickets; with the <see cref="ConditionMix"/> about 10,700 tickets wait in the steady state.
/// </summary>
public static class BenchCategory
{
    public const string Name = "BENCH";
    public const int GroupSize = 3;

    private static readonly (string Name, int Values)[] Dimensions = [("area", 10), ("slot", 10), ("topic", 10), ("level", 12)];

    public static CategoryDefinition Definition { get; } = new(
        Name,
        [.. Dimensions.Select(d => new DimensionDefinition(d.Name, [.. Values(d.Values)], MatchedInRandom: true))],
        GroupSize);

    public static int Cells => Dimensions.Aggregate(1, (cells, d) => cells * d.Values);

    public static string Shape => string.Join(" × ", Dimensions.Select(d => d.Values.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The catalog keys that declare the category (<c>Partner:Catalog:Categories:BENCH:…</c>).</summary>
    public static Dictionary<string, string?> Settings()
    {
        var prefix = $"Partner:Catalog:Categories:{Name}";
        var settings = new Dictionary<string, string?> { [$"{prefix}:RandomGroupSize"] = GroupSize.ToString(CultureInfo.InvariantCulture) };
        for (var d = 0; d < Dimensions.Length; d++)
        {
            var dimension = $"{prefix}:Dimensions:{d.ToString(CultureInfo.InvariantCulture)}";
            settings[$"{dimension}:Name"] = Dimensions[d].Name;
            settings[$"{dimension}:MatchedInRandom"] = "true";
            var values = Values(Dimensions[d].Values);
            for (var v = 0; v < values.Length; v++)
            {
                settings[$"{dimension}:Values:{v.ToString(CultureInfo.InvariantCulture)}"] = values[v];
            }
        }

        return settings;
    }

    internal static (string Name, ImmutableArray<string> Values)[] Choices { get; } =
        [.. Dimensions.Select(d => (d.Name, ImmutableArray.Create(Values(d.Values))))];

    private static string[] Values(int count) => [.. Enumerable.Range(0, count).Select(v => "V" + v.ToString(CultureInfo.InvariantCulture))];
}

/// <summary>
/// Random ticket conditions for <see cref="BenchCategory"/>: one value in every dimension, except that
/// 12 % of tickets accept two values in one dimension and 3 % accept any value in one dimension (it is left out).
/// </summary>
public sealed class ConditionMix(int seed)
{
    public const double TwoValues = 0.12;
    public const double AnyValue = 0.03;

    private readonly Random random = new(seed);

    public ImmutableDictionary<string, ImmutableArray<string>> Next()
    {
        var choices = BenchCategory.Choices;
        var roll = random.NextDouble();
        var widened = roll < TwoValues + AnyValue ? random.Next(choices.Length) : -1;
        var conditions = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>();
        for (var d = 0; d < choices.Length; d++)
        {
            var (name, values) = choices[d];
            var first = random.Next(values.Length);
            if (d != widened)
            {
                conditions[name] = [values[first]];
            }
            else if (roll < TwoValues)
            {
                var second = (first + 1 + random.Next(values.Length - 1)) % values.Length;
                conditions[name] = [values[Math.Min(first, second)], values[Math.Max(first, second)]];
            }
        }

        return conditions.ToImmutable();
    }
}
