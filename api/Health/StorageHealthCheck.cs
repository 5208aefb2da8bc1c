using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partner.Health;

namespace Partner.Api.Health;

/// <summary>Ready when a silo can write a heartbeat through grain storage (MySQL in production).</summary>
internal sealed class StorageHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await grains.GetGrain<IStorageProbeGrain>(context.Registration.Name).Check()
                .WaitAsync(HealthSetup.CheckTimeout, cancellationToken);
            return result.Healthy
                ? HealthCheckResult.Healthy("grain storage accepts writes")
                : HealthCheckResult.Unhealthy($"grain storage write failed: {result.Error}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"grain storage could not be checked: {ex.GetBaseException().Message}");
        }
    }
}
