using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Partner.Silo.Database;

namespace Partner.Silo.Storage;

/// <summary>
/// Wraps the reminder table (MySQL in production) so that its failures reach grains, and callers through
/// other silos, as <see cref="StorageUnavailableException"/> instead of the driver's exception, which has no
/// Orleans codec. A grain that registers a reminder before its write then answers 503 and writes nothing.
/// A call that failed on a pooled connection the server had closed is retried once on a fresh one (see <see cref="PooledConnections"/>).
/// </summary>
internal sealed partial class OutageTranslatingReminders(IReminderTable inner, ILogger<OutageTranslatingReminders> logger) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => TranslateAsync("read", () => inner.ReadRows(grainId));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => TranslateAsync("read", () => inner.ReadRows(begin, end));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => TranslateAsync("read", () => inner.ReadRow(grainId, reminderName));

    public Task<string?> UpsertRow(ReminderEntry entry) => TranslateAsync("write", () => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => TranslateAsync("remove", () => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();

    /// <summary>Wraps the reminder table registered so far (call after Orleans read its configuration); none in silos without reminders.</summary>
    public static void Wrap(IServiceCollection services)
    {
        if (services.LastOrDefault(d => !d.IsKeyedService && d.ServiceType == typeof(IReminderTable)) is not { } registered)
        {
            return;
        }

        services.Remove(registered);
        services.AddSingleton<IReminderTable>(provider => new OutageTranslatingReminders(
            (IReminderTable)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!)),
            provider.GetRequiredService<ILogger<OutageTranslatingReminders>>()));
    }

    private async Task<T> TranslateAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            // Once is safe: reads are idempotent, an upsert writes the same row again, and a removal is conditional on the
            // row's version, so one that did commit makes the retry remove nothing.
            return await PooledConnections.RetryOnceOnBrokenConnectionAsync(call, broken => LogRetried(logger, broken, operation));
        }
        catch (Exception ex) when (ex is not StorageUnavailableException)
        {
            LogFailed(logger, ex, operation);
            throw new StorageUnavailableException($"The reminder table could not {operation} a reminder: {ex.GetType().Name}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reminder table lost its database connection to {Operation} a reminder; retrying once on fresh connections")]
    private static partial void LogRetried(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reminder table could not {Operation} a reminder")]
    private static partial void LogFailed(ILogger logger, Exception exception, string operation);
}
