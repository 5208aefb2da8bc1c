using Orleans.Runtime;

namespace Partner.Api.Hosting;

/// <summary>
/// Sends a grain call again when it surely did not run, or when running it twice is harmless — the failures a rolling
/// restart causes while a silo drains after SIGTERM:
/// <list type="bullet">
/// <item><see cref="OrleansMessageRejectionException"/>: the draining silo refused a call a stale location still sent it
/// ("Silo stopping"), instead of delivering it; the rejection clears that location, so any call is safe to send again.</item>
/// <item>An <c>unavailable</c> <see cref="DomainException"/> naming the called grain as superseded: its own state write met a
/// newer version (a second activation started elsewhere once the default grain directory forgot the draining silo's
/// registrations, and wrote first); nothing was written and the activation is gone, so the call runs again on fresh state.
/// Not when it names another grain: the called grain's nested call failed after the called grain may have written.</item>
/// <item><see cref="SiloUnavailableException"/>, also raised when a silo dies mid-call, so the call may have run: only for
/// methods marked <see cref="SafeToRepeatAttribute"/>.</item>
/// </list>
/// Not a timeout (may have run), nor load shedding (<see cref="GatewayTooBusyException"/>, which asks clients to back off).
/// Only calls the API makes: on an Orleans client every call; in a co-hosted silo not the grains' calls to each other.
/// </summary>
internal sealed partial class RejectedCallRetry(ILogger<RejectedCallRetry> logger, TimeProvider clock) : IOutgoingGrainCallFilter
{
    /// <summary>The pauses before the second and the third try.</summary>
    public static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)];

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!FromOutsideGrains(context))
        {
            // In a co-hosted silo the filter also sees the grains' own calls: those keep a silo's behaviour.
            await context.Invoke();
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Orleans ends a failed call by throwing its exception here (the response never carries it).
                await context.Invoke();
                return;
            }
            catch (Exception failure) when (attempt < Delays.Length && SafeToSendAgain(context, failure))
            {
                LogRetrying(logger, context.InterfaceName, context.MethodName, failure.GetType().Name, failure.Message);
            }

            await Task.Delay(Delays[attempt], clock);
        }
    }

    private static bool FromOutsideGrains(IOutgoingGrainCallContext context) =>
        context.SourceId is not { } source || GrainTypePrefix.IsClient(source);

    private static bool SafeToSendAgain(IOutgoingGrainCallContext context, Exception failure) => failure switch
    {
        SiloUnavailableException => context.InterfaceMethod.IsDefined(typeof(SafeToRepeatAttribute), inherit: false),
        OrleansMessageRejectionException => true,
        DomainException { SupersededGrain: { } superseded } => superseded == context.TargetId,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain call {Interface}.{Method} did not run or may run again ({Failure}: {Reason}); sending it again")]
    private static partial void LogRetrying(ILogger logger, string @interface, string method, string failure, string reason);
}
