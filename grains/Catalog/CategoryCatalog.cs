using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;

namespace Partner.Catalog;

/// <summary>The configured catalog, and the checks every grain applies to categories and conditions.</summary>
public sealed class CategoryCatalog(IOptions<CatalogOptions> options)
{
    private readonly FrozenDictionary<string, CategoryDefinition> categories =
        CatalogGrain.ToDefinitions(options.Value).ToFrozenDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    public ImmutableArray<CategoryDefinition> All => [.. categories.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>The category, or a validation error naming <paramref name="field"/>.</summary>
    public CategoryDefinition Get(string? category, string field = "category") =>
        category is not null && categories.TryGetValue(category, out var definition)
            ? definition
            : throw Errors.Validation(field, $"Unknown category '{category}'; expected one of {string.Join(", ", categories.Keys.Order())}.");

    /// <summary>The category named exactly <paramref name="name"/> (catalog spelling), if any.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CategoryDefinition? definition) =>
        categories.TryGetValue(name, out definition) && definition.Name == name;

    /// <summary>
    /// Checks conditions against the category: known dimensions (only those matched in random
    /// matching when <paramref name="randomOnly"/>), allowed values; returns them with catalog
    /// spelling and order, values de-duplicated. Empty arrays are kept (meaning "any").
    /// </summary>
    public ImmutableDictionary<string, ImmutableArray<string>> Conditions(
        CategoryDefinition category, IReadOnlyDictionary<string, ImmutableArray<string>>? conditions, bool randomOnly = false)
    {
        var result = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>();
        foreach (var (name, values) in conditions ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty)
        {
            var field = $"conditions.{name}";
            var dimension = category.Dimensions.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw Errors.Validation(field, $"'{name}' is not a condition of {category.Name}; expected {string.Join(", ", category.Dimensions.Select(d => d.Name))}.");
            if (randomOnly && !dimension.MatchedInRandom)
            {
                throw Errors.Validation(field, $"'{dimension.Name}' is not used by random matching in {category.Name}.");
            }

            var unknown = values.IsDefault ? [] : values.Where(v => !dimension.Values.Contains(v, StringComparer.OrdinalIgnoreCase)).ToArray();
            if (unknown.Length > 0)
            {
                throw Errors.Validation(field, $"'{string.Join("', '", unknown)}' not allowed; expected {string.Join(", ", dimension.Values)}.");
            }

            var chosen = values.IsDefault ? [] : values;
            result[dimension.Name] = [.. dimension.Values.Where(v => chosen.Contains(v, StringComparer.OrdinalIgnoreCase))];
        }

        return result.ToImmutable();
    }
}
