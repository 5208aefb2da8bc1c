using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Partner.Silo.Database;

namespace Partner.Silo.Storage;

/// <summary>
/// Wraps a grain storage provider so that its failures (a stopped MySQL, a dropped connection) reach grains
/// and their callers as <see cref="StorageUnavailableException"/>, at activation as on writes, after logging
/// the real exception. A version conflict stays what it is: it is a fact about the data, not an outage.
/// A call that failed on a pooled connection the server had closed is retried once on a fresh one (see <see cref="PooledConnections"/>).
/// </summary>
internal sealed partial class OutageTranslatingStorage(IGrainStorage inner, string name, ILogger<OutageTranslatingStorage> logger)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TranslateAsync("read", grainId, () => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TranslateAsync("write", grainId, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        TranslateAsync("clear", grainId, () => inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    /// <summary>Wraps every grain storage provider registered so far (call after Orleans read its configuration).</summary>
    public static void WrapAll(IServiceCollection services)
    {
        var providers = services.Where(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && d.ServiceKey is string).ToList();
        foreach (var registered in providers)
        {
            var name = (string)registered.ServiceKey!;
            services.Remove(registered);
            services.AddKeyedSingleton<IGrainStorage>(name, (provider, key) => new OutageTranslatingStorage(
                Create(registered, provider, key), name, provider.GetRequiredService<ILogger<OutageTranslatingStorage>>()));
        }
    }

    private static IGrainStorage Create(ServiceDescriptor registered, IServiceProvider provider, object? key) =>
        (IGrainStorage)(registered.KeyedImplementationInstance
            ?? registered.KeyedImplementationFactory?.Invoke(provider, key)
            ?? ActivatorUtilities.CreateInstance(provider, registered.KeyedImplementationType!));

    private async Task TranslateAsync(string operation, GrainId grainId, Func<Task> call)
    {
        try
        {
            // Once is safe: a read is idempotent, and a write or clear is conditional on the stored version, so one that did
            // commit before its connection broke makes the retry a version conflict, never a second write.
            await PooledConnections.RetryOnceOnBrokenConnectionAsync(
                async () =>
                {
                    await call();
                    return true;
                },
                broken => LogRetried(logger, broken, operation, name, grainId));
        }
        catch (Exception ex) when (ex is not InconsistentStateException and not StorageUnavailableException)
        {
            LogFailed(logger, ex, operation, name, grainId);
            throw new StorageUnavailableException($"Grain storage '{name}' could not {operation} the state of {grainId.Type}: {ex.GetType().Name}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Provider} lost its database connection to {Operation} the state of {GrainId}; retrying once on fresh connections")]
    private static partial void LogRetried(ILogger logger, Exception exception, string operation, string provider, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Provider} could not {Operation} the state of {GrainId}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string operation, string provider, GrainId grainId);
}
