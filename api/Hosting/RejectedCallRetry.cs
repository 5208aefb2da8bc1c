using Orleans.Runtime;

namespace Partner.Api.Hosting;

/// <summary>
/// Sends a grain call again when Orleans rejected it before it ran: a silo draining after SIGTERM refuses the calls a
/// stale location still sends it ("Silo stopping"), and the rejection clears that location, so the next try finds the
/// grain on a live silo. Only <see cref="OrleansMessageRejectionException"/> is retried: Orleans raises it from a
/// rejection, which a silo sends instead of delivering the request, so the call never reached the grain and any call,
/// idempotent or not, is safe to send again. Not its subclass <see cref="SiloUnavailableException"/>, also raised when a
/// silo dies mid-call, nor a timeout (both may have run), nor load shedding (<see cref="GatewayTooBusyException"/>,
/// which asks clients to back off): those pass through.
/// </summary>
internal sealed partial class RejectedCallRetry(ILogger<RejectedCallRetry> logger, TimeProvider clock) : IOutgoingGrainCallFilter
{
    /// <summary>The pauses before the second and the third try.</summary>
    public static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)];

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        for (var attempt = 0; ; attempt++)
        {
            await context.Invoke();
            if (context.Response?.Exception is not OrleansMessageRejectionException rejection || rejection is SiloUnavailableException || attempt == Delays.Length)
            {
                return;
            }

            LogRetrying(logger, context.InterfaceName, context.MethodName, rejection.Message);
            await Task.Delay(Delays[attempt], clock);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain call {Interface}.{Method} was rejected before it ran ({Reason}); sending it again")]
    private static partial void LogRetrying(ILogger logger, string @interface, string method, string reason);
}
