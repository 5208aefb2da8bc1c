using System.Text.Json;

namespace Partner.Benchmarks;

/// <summary>
/// Ticket PUT bodies of the shipped categories, one per cell: a single value in every dimension
/// matched in random, so two tickets match exactly when they are in the same cell.
/// </summary>
public static class TicketBodies
{
    public const string Meal = "MEAL";
    public const string Study = "STUDY";

    private static readonly string[] Places = ["SEOCHO", "GAEPO", "OUT_OF_CLUSTER"];

    private static readonly Dictionary<string, string[]> Bodies = new(StringComparer.Ordinal)
    {
        [Meal] = Cells(("place", Places), ("timeOfEating", ["BREAKFAST", "LUNCH", "DUNCH", "DINNER", "MIDNIGHT"]), ("wayOfEating", ["DELIVERY", "EATOUT", "TAKEOUT"])),
        [Study] = Cells(("place", Places), ("typeOfStudy", ["INNER_CIRCLE", "NOT_INNER_CIRCLE"])),
    };

    /// <summary>Every cell's body of <paramref name="category"/> (MEAL: 45, STUDY: 6).</summary>
    public static IReadOnlyList<string> Of(string category) => Bodies[category];

    private static string[] Cells(params (string Name, string[] Values)[] dimensions)
    {
        IEnumerable<Dictionary<string, string[]>> cells = [[]];
        foreach (var (name, values) in dimensions)
        {
            cells = cells.SelectMany(cell => values.Select(value => new Dictionary<string, string[]>(cell) { [name] = [value] }));
        }

        return [.. cells.Select(conditions => JsonSerializer.Serialize(new { conditions }))];
    }
}
