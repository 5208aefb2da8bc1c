using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Partner.Silo.Hosting;

/// <summary>
/// A crash for production-process tests, off unless configured: with <c>Partner:Testing:KillAtCall</c> set to a grain
/// call (<c>IMatchGrain.Create</c>), the first silo of the cluster about to send that call kills its own process
/// (SIGKILL, as <c>kill -9</c>) — exactly where a crash leaves a multi-step operation half-done. The silo first
/// creates the file <c>Partner:Testing:KillMarker</c>, so only one silo of the cluster dies and the test knows it did.
/// </summary>
public sealed partial class KillAtCall(string call, string marker, ILogger<KillAtCall> logger) : IOutgoingGrainCallFilter
{
    public const string CallKey = "Partner:Testing:KillAtCall";
    public const string MarkerKey = "Partner:Testing:KillMarker";

    public static void AddIfConfigured(ISiloBuilder silo, IConfiguration configuration)
    {
        if (configuration[CallKey] is not { Length: > 0 } call)
        {
            return;
        }

        var marker = configuration[MarkerKey] is { Length: > 0 } path ? path : throw new InvalidOperationException($"{CallKey} needs {MarkerKey}: the file that lets only one silo die.");
        silo.Services.AddSingleton<IOutgoingGrainCallFilter>(services => new KillAtCall(call, marker, services.GetRequiredService<ILogger<KillAtCall>>()));
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod is { } method && $"{method.DeclaringType?.Name}.{method.Name}" == call && Claim())
        {
            LogKilling(logger, call);
            Process.GetCurrentProcess().Kill();
            await Task.Delay(Timeout.Infinite);
        }

        await context.Invoke();
    }

    private bool Claim()
    {
        try
        {
            using var file = new FileStream(marker, FileMode.CreateNew);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Killing this silo process at {Call} (Partner:Testing:KillAtCall)")]
    private static partial void LogKilling(ILogger logger, string call);
}
