namespace Partner.Api.Live;

/// <summary>Ends the node's shared stream subscriptions while its Orleans client still runs (stopping comes before any hosted service stops).</summary>
internal sealed class LiveFeedsShutdown(LiveFeeds feeds) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => feeds.StopAsync().WaitAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
