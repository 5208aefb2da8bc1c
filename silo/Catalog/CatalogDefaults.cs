using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Partner.Silo.Catalog;

/// <summary>The shipped catalog (MEAL, STUDY), laid beneath all configuration so settings can add or extend categories.</summary>
public static class CatalogDefaults
{
    private const string ResourceName = "Partner.Silo.Catalog.catalog.json";

    public static void AddBeneath(IConfigurationBuilder configuration)
    {
        using var stream = typeof(CatalogDefaults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing from the silo assembly.");
        // Copied into a memory source: a stream source cannot be read again when the configuration reloads.
        var values = new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = values });
    }
}
