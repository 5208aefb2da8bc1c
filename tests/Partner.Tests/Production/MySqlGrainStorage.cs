using Partner.Tests.Infrastructure;

namespace Partner.Tests.Production;

[Collection(ProductionCollection.Name)]
public sealed class MySqlGrainStorage(ProductionServers servers)
{
    [Fact]
    public async Task AStateOver64KiBRoundTripsThroughMariaDb()
    {
        var payload = new byte[200 * 1024];
        Random.Shared.NextBytes(payload);
        var key = Guid.NewGuid();

        await using (var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis))
        {
            await silo.Grains.GetGrain<ILargeStateGrain>(key).Write(payload);
        }

        await using var restarted = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        var read = await restarted.Grains.GetGrain<ILargeStateGrain>(key).Read();
        Assert.Equal(payload, read);
    }

    [Fact]
    public async Task OverwritesKeepTheLatestState()
    {
        await using var silo = await InProcessSilo.StartAsync(servers.Database, servers.Redis);
        var grain = silo.Grains.GetGrain<ILargeStateGrain>(Guid.NewGuid());

        await grain.Write([1]);
        await grain.Write([2, 2]);
        await grain.Deactivate();

        Assert.Equal([2, 2], await grain.Read());
    }
}

[Alias("partner.tests.large-state")]
public interface ILargeStateGrain : IGrainWithGuidKey
{
    [Alias("write")] Task Write(byte[] payload);

    [Alias("read")] Task<byte[]> Read();

    [Alias("deactivate")] Task Deactivate();
}

public sealed class LargeStateGrain([PersistentState("payload")] IPersistentState<LargeState> state) : Grain, ILargeStateGrain
{
    public async Task Write(byte[] payload)
    {
        state.State.Payload = payload;
        await state.WriteStateAsync();
    }

    public Task<byte[]> Read() => Task.FromResult(state.State.Payload);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

[GenerateSerializer, Alias("partner.tests.large-state-state")]
public sealed class LargeState
{
    [Id(0)] public byte[] Payload { get; set; } = [];
}
