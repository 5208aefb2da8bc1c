using System.Net;
using System.Net.Http.Json;
using Partner.Tests.Api;

namespace Partner.Tests.Catalog;

public sealed class CategoriesEndpoint(PartnerApiFactory factory) : IClassFixture<PartnerApiFactory>
{
    [Fact]
    public async Task ListsMealAndStudyWithTheirDimensions()
    {
        var categories = await factory.CreateClient().GetFromJsonAsync<CategoryBody[]>("/api/categories");

        Assert.NotNull(categories);
        Assert.Equal(["MEAL", "STUDY"], categories.Select(c => c.Category));
        var meal = categories[0];
        Assert.Equal(2, meal.RandomGroupSize);
        Assert.Equal(["place", "timeOfEating", "wayOfEating"], meal.Dimensions.Select(d => d.Name));
        Assert.Equal(["SEOCHO", "GAEPO", "OUT_OF_CLUSTER"], meal.Dimensions[0].Values);
        Assert.Equal(["BREAKFAST", "LUNCH", "DUNCH", "DINNER", "MIDNIGHT"], meal.Dimensions[1].Values);
        Assert.Equal(["DELIVERY", "EATOUT", "TAKEOUT"], meal.Dimensions[2].Values);
        Assert.All(meal.Dimensions, d => Assert.True(d.MatchedInRandom));
        Assert.Equal(["place", "typeOfStudy"], categories[1].Dimensions.Select(d => d.Name));
        Assert.Equal(["INNER_CIRCLE", "NOT_INNER_CIRCLE"], categories[1].Dimensions[1].Values);
    }

    [Fact]
    public async Task ACategoryAddedInConfigurationAppearsWithoutCode()
    {
        await using var withExercise = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
            ["Partner:Catalog:Categories:EXERCISE:RandomGroupSize"] = "4",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:0:Name"] = "place",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:0:Values:0"] = "GYM",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:0:Values:1"] = "PARK",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:1:Name"] = "sport",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:1:Values:0"] = "RUNNING",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:1:MatchedInRandom"] = "false",
            },
        };

        var categories = await withExercise.CreateClient().GetFromJsonAsync<CategoryBody[]>("/api/categories");

        Assert.NotNull(categories);
        Assert.Equal(["EXERCISE", "MEAL", "STUDY"], categories.Select(c => c.Category));
        var exercise = categories[0];
        Assert.Equal(4, exercise.RandomGroupSize);
        Assert.Equal(["GYM", "PARK"], exercise.Dimensions[0].Values);
        Assert.True(exercise.Dimensions[0].MatchedInRandom);
        Assert.False(exercise.Dimensions[1].MatchedInRandom);
    }

    [Fact]
    public async Task AnInvalidCatalogStopsStartupNamingTheKey()
    {
        await using var broken = new PartnerApiFactory
        {
            Settings = new Dictionary<string, string?>
            {
            ["Partner:Catalog:Categories:EXERCISE:RandomGroupSize"] = "11",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:0:Name"] = "place",
            ["Partner:Catalog:Categories:EXERCISE:Dimensions:0:Values:0"] = "GYM",
            },
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => broken.CreateClient().GetAsync("/api/categories"));
        Assert.Contains("Partner:Catalog:Categories:EXERCISE:RandomGroupSize", error.ToString());
    }

    [Fact]
    public async Task FieldNamesAreCamelCase()
    {
        var response = await factory.CreateClient().GetAsync("/api/categories");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"randomGroupSize\":2", raw);
        Assert.Contains("\"matchedInRandom\":true", raw);
    }

    private sealed record CategoryBody(string Category, DimensionBody[] Dimensions, int RandomGroupSize);

    private sealed record DimensionBody(string Name, string[] Values, bool MatchedInRandom);
}
