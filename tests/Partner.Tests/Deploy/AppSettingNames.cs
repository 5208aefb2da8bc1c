using System.Collections;
using System.Reflection;
using Partner.Operations;
using Partner.Silo.Hosting;
using Partner.Slack;
using Partner.Tests.Infrastructure;

namespace Partner.Tests.Deploy;

/// <summary>
/// Every environment variable that the deploy files set for Partner's processes (compose services, Dockerfile <c>ENV</c>,
/// Kubernetes containers) is one the apps read. The rule is derived from the code, so it follows it:
/// <list type="bullet">
/// <item><c>A__B__C</c> is the configuration key <c>A:B:C</c>. It is read when an options class in the apps declares
/// <c>const string Section</c> as a prefix of the key and the rest resolves to its properties by reflection (list indexes
/// and dictionary keys included, as the configuration binder does), or, for a section read by hand (a static setup class),
/// when the next segment appears as a string literal in that class's source file (a list index, when it reads the section's children);</item>
/// <item>Orleans' own keys: those the apps lay down as provider defaults (<see cref="OrleansProviderDefaults"/>), and
/// <c>Orleans:Endpoints:*</c> naming a property of Orleans' <c>EndpointOptions</c>;</item>
/// <item><c>ConnectionStrings:X</c> where X is a connection the provider defaults name; <c>Partner:Mode</c>;</item>
/// <item>without <c>__</c>: the pod variables Orleans' Kubernetes hosting reads (<see cref="KubernetesOptions.PodVariables"/>)
/// and ASP.NET Core's host variables for ports and environment.</item>
/// </list>
/// </summary>
public sealed class AppSettingNames
{
    private static readonly string[] HostVariables = ["ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"];

    private static readonly Assembly[] AppAssemblies =
        [typeof(Program).Assembly, typeof(PartnerSiloHosting).Assembly, typeof(SlackOptions).Assembly, typeof(PartnerInstruments).Assembly];

    private static readonly string[] SourceFolders = ["api", "silo", "grains", "grain-interfaces"];

    [Fact]
    public void EveryVariableTheDeployFilesSetIsOneTheAppsRead()
    {
        var compose = DeployFiles.ResolvedCompose();
        var set = DeployFiles.AppServices(compose).SelectMany(g => g)
            .SelectMany(s => s.Service.Map("environment").Keys.Select(name => (Name: name, Where: $"compose {s.Name}")))
            .Concat(DeployFiles.Dockerfiles().Values.SelectMany(file => DeployFiles.DockerfileEnvironment(file).Keys.Select(name => (Name: name, Where: file))))
            .Concat(KubernetesBase.AppContainers().SelectMany(c => c.Env.Select(e => (e.Name, Where: $"k8s {c.Name}"))))
            .ToList();

        Assert.Contains(set, s => s.Name == "Partner__Kubernetes__Enabled");
        var unknown = set.Where(s => !IsRead(s.Name)).Select(s => $"{s.Name} ({s.Where})").Distinct().ToList();
        Assert.True(unknown.Count == 0, "No app reads: " + string.Join(", ", unknown));
    }

    [Theory]
    [InlineData("Partner__Metrics__Prot")]
    [InlineData("Auth__Jwt__SigningKy")]
    [InlineData("Auth__Jwt__SigningKey__Extra")]
    [InlineData("ConnectionStrings__Mysql")]
    [InlineData("Orleans__Endpoints__SiloPrt")]
    [InlineData("Orleans__ClusterID__X")]
    [InlineData("Partner__ForwardedHeaders__KnownProxy__0")]
    [InlineData("Partner__Admins__first")]
    [InlineData("POD_UID")]
    public void TheRuleRefusesNamesNoAppReads(string name) => Assert.False(IsRead(name));

    [Theory]
    [InlineData("Partner__Metrics__Port")]
    [InlineData("Auth__Intra__ClientSecret")]
    [InlineData("Partner__Admins__3")]
    [InlineData("Partner__ForwardedHeaders__KnownNetworks__0")]
    [InlineData("Partner__Cors__AllowedOrigins__0")]
    [InlineData("Orleans__Endpoints__AdvertisedIPAddress")]
    [InlineData("ConnectionStrings__PartnerDb")]
    [InlineData("Partner__Catalog__Categories__EXERCISE__RandomGroupSize")]
    [InlineData("Partner__RandomMatch__TicketLifetime")]
    public void TheRuleAcceptsNamesTheAppsRead(string name) => Assert.True(IsRead(name));

    internal static bool IsRead(string name)
    {
        if (!name.Contains("__", StringComparison.Ordinal))
        {
            return HostVariables.Contains(name) || KubernetesOptions.PodVariables.Contains(name);
        }

        var key = name.Replace("__", ":", StringComparison.Ordinal);
        var defaults = OrleansProviderDefaults.ForSilo(PartnerMode.Production).Concat(OrleansProviderDefaults.ForSilo(PartnerMode.Embedded)).Concat(OrleansProviderDefaults.ForClient()).ToList();
        if (defaults.Any(d => string.Equals(d.Key, key, StringComparison.OrdinalIgnoreCase)) || string.Equals(key, PartnerModes.Key, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var segments = key.Split(':');
        if (segments is ["ConnectionStrings", var connection])
        {
            return defaults.Any(d => d.Key.EndsWith(":ConnectionName", StringComparison.Ordinal) && string.Equals(d.Value, connection, StringComparison.OrdinalIgnoreCase));
        }

        if (segments is ["Orleans", "Endpoints", ..])
        {
            return Resolves(typeof(Orleans.Configuration.EndpointOptions), segments[2..]);
        }

        return Sections().Any(section => IsUnder(segments, section.Path, out var rest) && rest.Length > 0 && (section.Type.IsAbstract && section.Type.IsSealed
            ? ReadByHand(SourceOf(section.Type), rest)
            : Resolves(section.Type, rest)));
    }

    /// <summary>A static setup class reads its section by hand: a named sub-section appears as a literal, a list through <c>GetChildren()</c>.</summary>
    private static bool ReadByHand(string source, string[] rest) =>
        source.Contains($"\"{rest[0]}\"", StringComparison.Ordinal)
        || (rest is [var index] && int.TryParse(index, out _) && source.Contains(".GetChildren()", StringComparison.Ordinal));

    private static IEnumerable<(string Path, Type Type)> Sections() => LazySections.Value;

    private static readonly Lazy<List<(string Path, Type Type)>> LazySections = new(() => [.. FindSections()]);

    private static readonly Lazy<List<string>> AppSources = new(() =>
        [.. SourceFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(TestEnvironment.RepoRoot, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)]);

    private static IEnumerable<(string Path, Type Type)> FindSections() =>
        AppAssemblies.SelectMany(assembly => assembly.GetTypes())
            .Select(type => (Type: type, Field: type.GetField("Section", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string))
            .Select(t => ((string)t.Field!.GetRawConstantValue()!, t.Type));

    private static bool IsUnder(string[] segments, string section, out string[] rest)
    {
        var parts = section.Split(':');
        var matches = segments.Length >= parts.Length && parts.Select((p, i) => string.Equals(p, segments[i], StringComparison.OrdinalIgnoreCase)).All(m => m);
        rest = matches ? segments[parts.Length..] : [];
        return matches;
    }

    /// <summary>Whether the configuration binder would bind <paramref name="segments"/> into <paramref name="type"/>.</summary>
    private static bool Resolves(Type type, string[] segments)
    {
        if (segments.Length == 0)
        {
            return true;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(Uri) || type == typeof(System.Net.IPAddress))
        {
            return false;
        }

        if (type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)) is { } dictionary)
        {
            return Resolves(dictionary.GetGenericArguments()[1], segments[1..]);
        }

        if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetInterfaces().Append(type).First(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)).GetGenericArguments()[0];
            return int.TryParse(segments[0], out _) && Resolves(element, segments[1..]);
        }

        var property = type.GetProperty(segments[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (property.SetMethod?.IsPublic == true || segments.Length > 1) && Resolves(property.PropertyType, segments[1..]);
    }

    private static string SourceOf(Type type) =>
        string.Concat(AppSources.Value.Where(text => text.Contains($"class {type.Name}", StringComparison.Ordinal)));
}
