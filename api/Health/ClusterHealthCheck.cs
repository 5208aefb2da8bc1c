using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Partner.Api.Health;

/// <summary>Ready when the Orleans cluster answers and has at least one active silo.</summary>
internal sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(HealthSetup.CheckTimeout, cancellationToken);
            return silos.Count > 0
                ? HealthCheckResult.Healthy($"{silos.Count} active silo(s)", new Dictionary<string, object> { ["activeSilos"] = silos.Count })
                : HealthCheckResult.Unhealthy("The cluster has no active silo.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The Orleans cluster is unreachable: {ex.GetBaseException().Message}");
        }
    }
}
