using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Partner.Catalog;

[StatelessWorker]
public sealed class CatalogGrain(IOptions<CatalogOptions> options) : Grain, ICatalogGrain
{
    private readonly ImmutableArray<CategoryDefinition> categories = ToDefinitions(options.Value);

    public Task<ImmutableArray<CategoryDefinition>> List() => Task.FromResult(categories);

    internal static ImmutableArray<CategoryDefinition> ToDefinitions(CatalogOptions options) =>
        [.. options.Categories
            .OrderBy(category => category.Key, StringComparer.Ordinal)
            .Select(category => new CategoryDefinition(
                category.Key.ToUpperInvariant(),
                [.. category.Value.Dimensions.Select(d => new DimensionDefinition(d.Name, [.. d.Values], d.MatchedInRandom))],
                category.Value.RandomGroupSize))];
}
