using System.Collections.Concurrent;

namespace Partner.Tests.Matches;

/// <summary>Fails chosen grain calls once, as a storage outage or a crash midway would, to prove that commands converge when retried.</summary>
public sealed class FaultInjection : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<Guid, Func<IIncomingGrainCallContext, bool>> faults = new();

    /// <summary>The next call that <paramref name="when"/> matches fails; later ones pass.</summary>
    public void FailOnce(Func<IIncomingGrainCallContext, bool> when) => faults[Guid.NewGuid()] = when;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        foreach (var (id, when) in faults)
        {
            if (when(context) && faults.TryRemove(id, out _))
            {
                throw new TimeoutException($"Injected fault in {context.InterfaceMethod?.Name}.");
            }
        }

        return context.Invoke();
    }

    public static bool Calls(IIncomingGrainCallContext context, string method, Guid grainKey) =>
        context.InterfaceMethod?.Name == method && context.TargetId.GetGuidKey() == grainKey;
}

