using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Partner.Silo.Hosting;

namespace Partner.Silo.Database;

/// <summary>Applies the schema to every MySQL database the providers use, before any of them starts.</summary>
internal sealed class SchemaMigration(
    IConfiguration configuration,
    IOptions<DatabaseOptions> options,
    DatabaseMigrator migrator) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaMigration), ServiceLifecycleStage.RuntimeInitialize, MigrateAsync);

    private Task MigrateAsync(CancellationToken cancellationToken) =>
        options.Value.AutoMigrate ? ApplyAsync(configuration, migrator, cancellationToken) : Task.CompletedTask;

    public static async Task ApplyAsync(IConfiguration configuration, DatabaseMigrator migrator, CancellationToken cancellationToken)
    {
        foreach (var connectionString in ProviderConnections.MySqlDatabases(configuration))
        {
            await migrator.MigrateAsync(connectionString, cancellationToken);
        }
    }
}
