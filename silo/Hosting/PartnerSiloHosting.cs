using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Partner.Streams;
using Orleans.Storage;
using Partner.Catalog;
using Partner.Idempotency;
using Partner.Operations;
using Partner.RandomMatch;
using Partner.Rooms;
using Partner.Users;
using Partner.Silo.Catalog;
using Partner.Silo.Database;
using Partner.Silo.Slack;
using Partner.Silo.Storage;

namespace Partner.Silo.Hosting;

public static class PartnerSiloHosting
{
    /// <summary>Entries of an embedded silo's grain-directory cache (it is the only silo).</summary>
    public const int EmbeddedDirectoryCacheSize = 1_000;

    /// <summary>Whether the Orleans dashboard runs on the silos and is served by the API nodes (default true).</summary>
    public const string DashboardEnabledKey = "Partner:Dashboard:Enabled";

    /// <summary>
    /// Reads <see cref="DashboardEnabledKey"/>. Off, a node saves the dashboard's once-a-second metric reads and about 40 MB
    /// (its assets and its own meter provider); a value that is not a boolean stops start-up naming the key.
    /// </summary>
    public static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue(DashboardEnabledKey, defaultValue: true);

    /// <summary>
    /// Hosts a Partner silo. The providers come from the <c>Orleans</c> configuration section,
    /// beneath which the defaults of the mode (<c>Partner:Mode</c>) are laid.
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="configure">What the host adds to its silo (the API's co-hosted silo: its outgoing call filter).</param>
    public static IHostApplicationBuilder AddPartnerSilo(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        AddDefaultsBeneath(builder.Configuration, PartnerModes.Read(builder.Configuration));
        PooledConnections.SkipResetOnTop(builder.Configuration);
        builder.Services.AddPartnerSiloServices(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.UsePartnerSilo(builder.Configuration);
            configure?.Invoke(silo);
        });
        return builder;
    }

    /// <summary>Lays the Orleans providers of <paramref name="mode"/> and the category catalog beneath every configuration source.</summary>
    public static void AddDefaultsBeneath(IConfigurationBuilder configuration, PartnerMode mode)
    {
        OrleansProviderDefaults.AddBeneath(configuration, OrleansProviderDefaults.ForSilo(mode));
        CatalogDefaults.AddBeneath(configuration);
    }

    /// <summary>The services the grains use, outside Orleans' own builder (a test cluster's silo host calls it too).</summary>
    public static IServiceCollection AddPartnerSiloServices(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = PartnerModes.Read(configuration);
        if (mode == PartnerMode.Production)
        {
            ProviderConnections.RequireAll(configuration);
        }

        if (IsKubernetes(configuration, mode))
        {
            KubernetesOptions.RequirePodVariables(name => configuration[name]);
        }

        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();
        services.AddSingleton<CategoryCatalog>();
        services.AddOptions<SchoolOptions>().BindConfiguration(SchoolOptions.Section)
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Partner:TimeZone must be a known IANA time zone id.").ValidateOnStart();
        services.AddSingleton<SchoolCalendar>();
        services.AddOptions<EmbeddedOptions>().BindConfiguration(EmbeddedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Partner:Cluster:Membership");
        // Orleans refuses new requests (the API answers 503) while a silo's CPU or memory is past its threshold.
        services.AddOptions<LoadSheddingOptions>().BindConfiguration("Partner:Cluster:LoadShedding");
        // Unfinished multi-step operations resume from a reminder every 10 s (ResumeReminders), not Orleans' one-minute floor.
        services.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = ResumeReminders.Period);
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section);
        services.AddOptions<RandomMatchOptions>().BindConfiguration(RandomMatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Pulling agents look for new stream items this often when idle (Orleans' 100 ms default): the floor of a live push's latency.
        // A stream's first item waits for every subscriber's handshake, a dead API node's too, and holds its whole queue
        // meanwhile: the delivery time (Orleans' default 1 minute) bounds that wait. A push given up is healed from the inbox.
        services.AddOptions<StreamPullingAgentOptions>(PartnerStreams.ProviderName)
            .Configure(options =>
            {
                options.GetQueueMsgsTimerPeriod = configuration.GetValue("Partner:Streams:PullingPeriod", TimeSpan.FromMilliseconds(10));
                options.MaxEventDeliveryTime = configuration.GetValue("Partner:Streams:MaxDeliveryTime", TimeSpan.FromSeconds(10));
            });
        services.AddSingleton<IUserWithdrawalStep, RandomMatchWithdrawal>();
        services.AddSingleton<IUserWithdrawalStep, RoomWithdrawal>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<TimeProvider>(DomainClock.Key, (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.AddSingleton<DatabaseMigrator>();
        services.AddMetrics();
        services.AddSingleton<GrainMetrics>();
        services.AddSingleton(new SiloModeInfo(mode));
        services.AddPartnerSlack(configuration);
        return services;
    }

    /// <summary>Orleans' side of a Partner silo: storage serializer, schema and start-up participants, storage outage translation, dashboard.</summary>
    public static ISiloBuilder UsePartnerSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (!configuration.GetSection("Orleans:Clustering").Exists())
        {
            var ports = configuration.GetSection(EmbeddedOptions.Section).Get<EmbeddedOptions>() ?? new EmbeddedOptions();
            silo.UseLocalhostClustering(ports.SiloPort, ports.GatewayPort,
                serviceId: configuration["Orleans:ServiceId"]!, clusterId: configuration["Orleans:ClusterId"]!);
            // One silo holds every grain, so the directory cache (of other silos' grains) has nothing to hold; Orleans'
            // default of a million entries reserves two ~9 MB tables up front.
            silo.Services.Configure<GrainDirectoryOptions>(options => options.CacheSize = EmbeddedDirectoryCacheSize);
        }

        // Binary, version-tolerant state rows guarded by [Id]/[Alias], instead of JSON with CLR type names.
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaMigration>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloStartupLog>();
        PartnerStreamProvider.AddStartChecks(silo.Services, configuration, silo: true);
        OutageTranslatingStorage.WrapAll(silo.Services);
        OutageTranslatingReminders.Wrap(silo.Services);
        if (DashboardEnabled(configuration))
        {
            silo.AddDashboard();
        }

        KillAtCall.AddIfConfigured(silo, configuration);
        if (IsKubernetes(configuration, PartnerModes.Read(configuration)))
        {
            silo.UseKubernetesHosting();
        }

        return silo;
    }

    private static bool IsKubernetes(IConfiguration configuration, PartnerMode mode) =>
        mode == PartnerMode.Production && configuration.GetSection(KubernetesOptions.Section).Get<KubernetesOptions>() is { Enabled: true };
}

/// <summary>The mode this process's silo runs in.</summary>
public sealed record SiloModeInfo(PartnerMode Mode);
