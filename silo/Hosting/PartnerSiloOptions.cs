using System.ComponentModel.DataAnnotations;

namespace Partner.Silo.Hosting;

/// <summary>Ports of the co-hosted silo in the embedded default (<c>Partner:Embedded</c>).</summary>
public sealed class EmbeddedOptions
{
    public const string Section = "Partner:Embedded";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}

/// <summary>Database settings (<c>Partner:Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Partner:Database";

    /// <summary>Apply the schema script at silo start (idempotent). Off: run <c>Partner.Silo migrate</c> yourself.</summary>
    public bool AutoMigrate { get; set; } = true;
}
