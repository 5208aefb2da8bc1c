namespace Partner.Benchmarks;

/// <summary>One measured run with what it cost: CPU per process and database counters.</summary>
public sealed record Measurement(
    string System, string Workload, string Driver, LoadResult Load, CpuUsage Cpu, IReadOnlyDictionary<string, long> Database, JoinRun? Join)
{
    public bool IsJoin => Join is not null;
}

/// <summary>What a run produced: its load, the join details of a join run, and the CPU time of an external load generator.</summary>
public sealed record RunOutcome(LoadResult Load, JoinRun? Join = null, double ExternalCpuSeconds = 0)
{
    public RunOutcome(JoinRun join)
        : this(join.Load, join)
    {
    }
}
