using System.Collections.Immutable;

namespace Partner.Catalog;

/// <summary>A category of the catalog (MEAL, STUDY, ...) with the condition dimensions it declares.</summary>
[GenerateSerializer, Immutable, Alias("partner.category-definition")]
public sealed record CategoryDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<DimensionDefinition> Dimensions,
    [property: Id(2)] int RandomGroupSize);

/// <summary>One condition dimension of a category, its allowed values in catalog order, and whether random matching must agree on it.</summary>
[GenerateSerializer, Immutable, Alias("partner.dimension-definition")]
public sealed record DimensionDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Values,
    [property: Id(2)] bool MatchedInRandom);
