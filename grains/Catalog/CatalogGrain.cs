using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Partner.Catalog;

[StatelessWorker]
public sealed class CatalogGrain(CategoryCatalog catalog) : Grain, ICatalogGrain
{
    public Task<ImmutableArray<CategoryDefinition>> List() => Task.FromResult(catalog.All);

    internal static ImmutableArray<CategoryDefinition> ToDefinitions(CatalogOptions options) =>
        [.. options.Categories
            .OrderBy(category => category.Key, StringComparer.Ordinal)
            .Select(category => new CategoryDefinition(
                category.Key.ToUpperInvariant(),
                [.. category.Value.Dimensions.Select(d => new DimensionDefinition(d.Name, [.. d.Values], d.MatchedInRandom))],
                category.Value.RandomGroupSize))];
}
