using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Partner.RandomMatch;

/// <summary>
/// Gathers a silo's enqueues for one category while the queue is busy with the previous batch, then hands
/// them over as one <see cref="IRandomMatchQueueGrain.EnqueueBatch"/>: under load many tickets share one
/// journal write; alone, a request goes through at once. While the queue has effects to do, the next batch first
/// waits for them to catch up if they lag. It holds no durable state, so it may interleave.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed class RandomMatchFrontGrain : Grain, IRandomMatchFrontGrain
{
    /// <summary>Most requests in one batch (one journal write).</summary>
    internal const int MaxBatch = 256;

    private readonly List<(EnqueueRequest Request, TaskCompletionSource<TicketResult> Reply)> waiting = [];
    private bool sending;
    private bool waitBeforeNext;

    public Task<TicketResult> Enqueue(Actor user, ImmutableDictionary<string, ImmutableArray<string>> conditions, string? requestId = null)
    {
        var reply = new TaskCompletionSource<TicketResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting.Add((new EnqueueRequest(user, conditions, requestId), reply));
        if (!sending)
        {
            sending = true;
            SendAsync().Ignore();
        }

        return reply.Task;
    }

    private async Task SendAsync()
    {
        var queue = GrainFactory.GetGrain<IRandomMatchQueueGrain>(this.GetPrimaryKeyString());
        try
        {
            while (waiting.Count > 0)
            {
                var batch = waiting.Take(MaxBatch).ToArray();
                waiting.RemoveRange(0, batch.Length);
                try
                {
                    // Back-pressure waits here, not in the queue's turn: reads and cancels of the category go on meanwhile.
                    if (waitBeforeNext)
                    {
                        await queue.EffectsCaughtUp();
                    }

                    var (outcomes, wait) = await queue.EnqueueBatch([.. batch.Select(b => b.Request)]);
                    waitBeforeNext = wait;
                    for (var i = 0; i < batch.Length; i++)
                    {
                        if (outcomes[i].Error is { } error)
                        {
                            batch[i].Reply.TrySetException(error);
                        }
                        else
                        {
                            batch[i].Reply.TrySetResult(outcomes[i].Result!);
                        }
                    }
                }
                catch (Exception ex)
                {
                    waitBeforeNext = false;
                    foreach (var (_, reply) in batch)
                    {
                        reply.TrySetException(ex);
                    }
                }
            }
        }
        finally
        {
            sending = false;
        }
    }
}
