namespace Partner.Benchmarks;

/// <summary>
/// One alarm-latency run: alarms raised at <see cref="Rate"/> through node B to users connected to <see cref="ReceiversOn"/>;
/// the calls answered 2xx (<see cref="Sent"/>), the alarms the inboxes hold (<see cref="Raised"/>, their seqs: these users
/// get no other alarms), received (distinct seqs) and duplicated; receipt latency; the raising calls' own latency; a trivial
/// hub call's round trip on the receivers' node meanwhile; CPU per process.
/// </summary>
public sealed record LiveRun(
    string Name,
    string ReceiversOn,
    int Receivers,
    double Rate,
    long Sent,
    long Raised,
    long Received,
    long Duplicates,
    long TimedAlarms,
    LatencySummary Receipt,
    LoadResult Calls,
    LatencySummary HubRoundTrip,
    CpuUsage Cpu)
{
    public long Missing => Raised - Received;

    /// <summary>Alarms raised beyond the calls answered 2xx: a call that failed at the client (e.g. 503 after the API's grain-call timeout) while the grain went on.</summary>
    public long Extra => Math.Max(0, Raised - Sent);
}

/// <summary>The idle-connection run on one API node: how fast they opened, what they cost it, and push latency meanwhile.</summary>
public sealed record IdleRun(
    int Requested,
    int Connected,
    IReadOnlyDictionary<string, int> Failures,
    TimeSpan ConnectTime,
    LatencySummary ConnectLatency,
    MemorySample Before,
    MemorySample After,
    CpuUsage IdleCpu,
    LiveRun Push,
    int StillConnected,
    long GeneratorResidentBytes)
{
    public double ConnectRate => Connected / ConnectTime.TotalSeconds;

    public double ResidentPerConnection => Connected == 0 ? double.NaN : (After.ResidentBytes - Before.ResidentBytes) / (double)Connected;

    public double HeapPerConnection => Connected == 0 ? double.NaN : (After.GcHeapBytes - Before.GcHeapBytes) / (double)Connected;
}

/// <summary>The same number of idle connections on the bare SignalR server (<see cref="BareHub"/>): the framework's own cost.</summary>
public sealed record BareIdleRun(int Connected, int Failed, MemorySample Before, MemorySample After)
{
    public double ResidentPerConnection => Connected == 0 ? double.NaN : (After.ResidentBytes - Before.ResidentBytes) / (double)Connected;

    public double HeapPerConnection => Connected == 0 ? double.NaN : (After.GcHeapBytes - Before.GcHeapBytes) / (double)Connected;
}
