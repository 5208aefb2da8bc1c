using Microsoft.Extensions.Configuration;

namespace Partner.Silo.Hosting;

/// <summary>How Partner is hosted; read from <c>Partner:Mode</c>.</summary>
public enum PartnerMode
{
    /// <summary>One process: the API co-hosts a silo with localhost clustering and in-memory storage, streams and reminders.</summary>
    Embedded,

    /// <summary>Separate silo and API processes: Redis clustering, MySQL grain storage and reminders.</summary>
    Production,
}

public static class PartnerModes
{
    public const string Key = "Partner:Mode";

    public static PartnerMode Read(IConfiguration configuration)
    {
        var value = configuration[Key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return PartnerMode.Embedded;
        }

        return Enum.TryParse<PartnerMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new InvalidOperationException($"{Key} must be 'Embedded' or 'Production' (was '{value}').");
    }
}
