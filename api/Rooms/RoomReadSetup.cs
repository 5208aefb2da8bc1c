using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Partner.Api.Health;

namespace Partner.Api.Rooms;

public static class RoomReadSetup
{
    /// <summary>Room lists and details answered on this node from the room-change streams (<see cref="RoomReadModel"/>), started with the node.</summary>
    public static IHostApplicationBuilder AddPartnerRoomReads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoomReadModelOptions>().BindConfiguration(RoomReadModelOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SchoolOptions>().BindConfiguration(SchoolOptions.Section);
        builder.Services.TryAddSingleton<SchoolCalendar>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RoomReadModel>();
        builder.Services.AddHostedService<RoomReadModelStart>();
        builder.Services.AddHealthChecks().AddCheck<RoomReadModelHealthCheck>("room-reads", tags: [HealthSetup.ReadyTag]);
        return builder;
    }

    /// <summary>Starts the model once the node (and its cluster client) has started, before the first read asks; ends its subscriptions when the node stops.</summary>
    private sealed class RoomReadModelStart(RoomReadModel model) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            model.Ready();
            return Task.CompletedTask;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => model.StopAsync().WaitAsync(cancellationToken);

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Reads work either way; degraded (still ready) while they go to the grains because the model is starting or off.</summary>
    private sealed class RoomReadModelHealthCheck(RoomReadModel model) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(
                !model.Enabled ? HealthCheckResult.Healthy("room read model off: room reads go to the grains")
                : model.Ready() ? HealthCheckResult.Healthy($"room read model ready: {model.Held} rooms held")
                : HealthCheckResult.Degraded("room read model not ready: room reads go to the grains"));
    }
}
