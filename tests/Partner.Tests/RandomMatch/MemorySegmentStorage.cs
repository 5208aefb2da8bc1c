using Orleans.Storage;
using Partner.RandomMatch;

namespace Partner.Tests.RandomMatch;

/// <summary>A queue journal's segment rows in a dictionary, copied on write as a database would; writes can be made to fail.</summary>
internal sealed class MemorySegmentStorage : IGrainStorage
{
    private readonly Dictionary<GrainId, List<QueueEvent>> rows = [];
    private int version;

    public bool FailWrites { get; set; }

    public IEnumerable<GrainId> Rows => rows.Keys;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (rows.TryGetValue(grainId, out var items))
        {
            grainState.State = (T)(object)new LogSegment<QueueEvent> { Items = [.. items] };
            grainState.RecordExists = true;
            grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (FailWrites)
        {
            throw new IOException("The storage is down.");
        }

        rows[grainId] = [.. ((LogSegment<QueueEvent>)(object)grainState.State!).Items];
        grainState.RecordExists = true;
        grainState.ETag = (++version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        rows.Remove(grainId);
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
