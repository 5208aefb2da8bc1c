using System.ComponentModel.DataAnnotations;

namespace Partner.Catalog;

/// <summary>
/// The category catalog, bound from <c>Partner:Catalog</c>. Categories are keyed by name
/// (<c>Partner:Catalog:Categories:MEAL</c>); adding a category is a configuration entry.
/// </summary>
public sealed class CatalogOptions
{
    public const string Section = "Partner:Catalog";

    public Dictionary<string, CategoryOptions> Categories { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One category: its dimensions in catalog order and the random-match group size.</summary>
public sealed class CategoryOptions
{
    [Range(2, 10)]
    public int RandomGroupSize { get; set; } = 2;

    public List<DimensionOptions> Dimensions { get; set; } = [];
}

/// <summary>One condition dimension and its allowed values in catalog order.</summary>
public sealed class DimensionOptions
{
    public string Name { get; set; } = "";

    public List<string> Values { get; set; } = [];

    public bool MatchedInRandom { get; set; } = true;
}
