using Microsoft.AspNetCore.Http.HttpResults;
using Partner.Catalog;

namespace Partner.Api.Catalog;

public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        var categories = app.MapGroup("/api/categories").WithTags("Catalog");
        categories.MapGet("", List).WithName("ListCategories").WithSummary("The categories, their condition dimensions and random-match group sizes.");
        return categories;
    }

    private static async Task<Ok<CategoryDto[]>> List(IGrainFactory grains)
    {
        var categories = await grains.GetGrain<ICatalogGrain>(0).List();
        return TypedResults.Ok(categories.Select(CategoryDto.From).ToArray());
    }
}

public sealed record CategoryDto(string Category, DimensionDto[] Dimensions, int RandomGroupSize)
{
    public static CategoryDto From(CategoryDefinition category) => new(
        category.Name,
        [.. category.Dimensions.Select(d => new DimensionDto(d.Name, [.. d.Values], d.MatchedInRandom))],
        category.RandomGroupSize);
}

public sealed record DimensionDto(string Name, string[] Values, bool MatchedInRandom);
