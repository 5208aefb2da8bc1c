using Microsoft.Extensions.Logging;

namespace Partner.Silo.Hosting;

/// <summary>Says once, at start, which mode the silo runs in and whether its state is durable.</summary>
internal sealed partial class SiloStartupLog(SiloModeInfo info, ILocalSiloDetails silo, ILogger<SiloStartupLog> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloStartupLog), ServiceLifecycleStage.Active, _ =>
        {
            if (info.Mode == PartnerMode.Embedded)
            {
                LogEmbedded(logger, silo.SiloAddress.ToString());
            }
            else
            {
                LogProduction(logger, silo.SiloAddress.ToString());
            }

            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partner silo {Silo} is active in EMBEDDED mode: grain state, reminders and streams live in memory and are LOST when this process exits. Set Partner:Mode=Production for durable MySQL storage.")]
    private static partial void LogEmbedded(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partner silo {Silo} is active in production mode")]
    private static partial void LogProduction(ILogger logger, string silo);
}
