using System.Collections.Immutable;

namespace Partner.Catalog;

/// <summary>
/// Serves the category catalog as the silos are configured, so every API node sees the
/// same categories the grains validate against.
/// </summary>
[Alias("partner.catalog")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>All categories, ordered by name.</summary>
    [Alias("list")]
    Task<ImmutableArray<CategoryDefinition>> List();
}
