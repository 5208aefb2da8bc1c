using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Partner.Catalog;

/// <summary>Rejects a catalog that the grains could not work with, naming the offending key.</summary>
public sealed partial class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        var failures = new List<string>();
        if (options.Categories.Count == 0)
        {
            failures.Add($"{CatalogOptions.Section}:Categories must declare at least one category.");
        }

        foreach (var (category, definition) in options.Categories)
        {
            var path = $"{CatalogOptions.Section}:Categories:{category}";
            if (!CategoryName().IsMatch(category))
            {
                failures.Add($"{path}: a category name is UPPER_CASE letters, digits and '_'.");
            }

            if (definition.RandomGroupSize is < 2 or > 10)
            {
                failures.Add($"{path}:RandomGroupSize must be between 2 and 10 (was {definition.RandomGroupSize}).");
            }

            if (definition.Dimensions.Count == 0)
            {
                failures.Add($"{path}:Dimensions must declare at least one dimension.");
            }

            var dimensionNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < definition.Dimensions.Count; i++)
            {
                var dimension = definition.Dimensions[i];
                var dimensionPath = $"{path}:Dimensions:{i}";
                if (!DimensionName().IsMatch(dimension.Name))
                {
                    failures.Add($"{dimensionPath}:Name must be a camelCase identifier (was '{dimension.Name}').");
                }
                else if (!dimensionNames.Add(dimension.Name))
                {
                    failures.Add($"{dimensionPath}:Name '{dimension.Name}' is declared twice.");
                }

                if (dimension.Values.Count == 0)
                {
                    failures.Add($"{dimensionPath}:Values must list at least one value.");
                }

                var values = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var value in dimension.Values)
                {
                    if (!CategoryName().IsMatch(value))
                    {
                        failures.Add($"{dimensionPath}:Values: '{value}' is not UPPER_CASE.");
                    }
                    else if (!values.Add(value))
                    {
                        failures.Add($"{dimensionPath}:Values: '{value}' is listed twice.");
                    }
                }

                if (dimension.MatchedInRandom && dimension.Values.Count > 64)
                {
                    failures.Add($"{dimensionPath}:Values: a dimension matched in random matching has at most 64 values.");
                }
            }

            var cells = definition.Dimensions.Where(d => d.MatchedInRandom).Aggregate(1L, (product, d) => product > RandomMatch.RandomMatcher.MaxCells ? product : product * Math.Max(1, d.Values.Count));
            if (cells > RandomMatch.RandomMatcher.MaxCells)
            {
                failures.Add($"{path}:Dimensions: the dimensions matched in random matching allow {cells} combinations; at most {RandomMatch.RandomMatcher.MaxCells}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex CategoryName();

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex DimensionName();
}
