using Microsoft.Extensions.Configuration;

namespace Partner.Silo.Hosting;

/// <summary>One Orleans provider section and the connection string it resolves to.</summary>
public sealed record ProviderConnection(string SectionPath, string ProviderType, string? Invariant, string? ConnectionName, string? ConnectionString);

/// <summary>Finds the Orleans provider sections that need a connection string, and checks that each has one.</summary>
public static class ProviderConnections
{
    private static readonly string[] SingleSections = ["Clustering", "Reminders"];
    private static readonly string[] NamedSections = ["GrainStorage", "Streaming", "GrainDirectory"];

    public static IReadOnlyList<ProviderConnection> Find(IConfiguration configuration)
    {
        var orleans = configuration.GetSection("Orleans");
        var sections = SingleSections.Select(orleans.GetSection)
            .Concat(NamedSections.SelectMany(name => orleans.GetSection(name).GetChildren()))
            .Where(section => section.Exists() && (section["ConnectionName"] is { Length: > 0 } || section["ConnectionString"] is { Length: > 0 }));

        return [.. sections.Select(section => new ProviderConnection(
            section.Path,
            section["ProviderType"] ?? "Default",
            section["Invariant"],
            section["ConnectionName"],
            section["ConnectionString"] is { Length: > 0 } direct ? direct : configuration.GetConnectionString(section["ConnectionName"]!)))];
    }

    /// <summary>Throws naming every missing setting, in both its configuration and its environment-variable form.</summary>
    public static void RequireAll(IConfiguration configuration)
    {
        var missing = Find(configuration)
            .Where(connection => string.IsNullOrWhiteSpace(connection.ConnectionString))
            .GroupBy(connection => connection.ConnectionName!, StringComparer.OrdinalIgnoreCase)
            .Select(group => $"ConnectionStrings:{group.Key} (environment ConnectionStrings__{group.Key}), used by {string.Join(", ", group.Select(c => c.SectionPath))}")
            .ToList();

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Partner:Mode is Production but these settings are missing: {string.Join("; ", missing)}.");
        }
    }

    /// <summary>The distinct MySQL connection strings that ADO.NET providers use: where the schema must exist.</summary>
    public static IReadOnlyList<string> MySqlDatabases(IConfiguration configuration) =>
        [.. Find(configuration)
            .Where(c => string.Equals(c.ProviderType, "AdoNet", StringComparison.OrdinalIgnoreCase) && c.ConnectionString is not null)
            .Select(c => string.Equals(c.Invariant, OrleansProviderDefaults.MySqlInvariant, StringComparison.Ordinal)
                ? c.ConnectionString!
                : throw new InvalidOperationException($"{c.SectionPath}:Invariant must be '{OrleansProviderDefaults.MySqlInvariant}': Partner ships a schema for MySQL/MariaDB only (was '{c.Invariant}')."))
            .Distinct(StringComparer.Ordinal)];
}
