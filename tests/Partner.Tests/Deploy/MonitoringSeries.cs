using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Partner.Operations;
using Partner.Tests.Api;

namespace Partner.Tests.Deploy;

/// <summary>
/// The series a real Partner process exports: one scrape of the embedded API's <c>/metrics</c> (its co-hosted silo shows
/// Orleans', ASP.NET Core's and the runtime's series) after a few requests, grain calls and storage writes.
/// </summary>
public sealed class ExportedSeries : IAsyncLifetime
{
    private readonly PartnerApiFactory factory = new();

    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        var wanted = MonitoringSeries.QueriedNames().Where(MonitoringSeries.MustBeScraped).ToHashSet();
        var http = factory.CreateClient();
        await factory.SignInAsync();
        await http.GetAsync("/api/categories");
        // Histograms appear once recorded, and the exporter caches a scrape briefly: wait for the queried ones, up to 10 s.
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ;)
        {
            Names.UnionWith(Parse(await http.GetStringAsync("/metrics")));
            if (wanted.IsSubsetOf(Names) || DateTime.UtcNow > deadline)
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    public Task DisposeAsync()
    {
        factory.Dispose();
        return Task.CompletedTask;
    }

    private static IEnumerable<string> Parse(string text) =>
        text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' '))
            .SelectMany(parts => parts[3] == "histogram" ? [parts[2] + "_bucket", parts[2] + "_sum", parts[2] + "_count"] : new[] { parts[2] });
}

/// <summary>
/// The Grafana dashboard parses, its provisioning fits compose, and every series it and the alert rules query is one that
/// Partner exports: <c>partner_*</c> from <see cref="PartnerInstruments"/>, the rest from a real scrape
/// (<see cref="ExportedSeries"/>); <c>mysql_*</c> and <c>redis_*</c> come from the exporters Prometheus scrapes.
/// </summary>
public sealed partial class MonitoringSeries(ExportedSeries exported) : IClassFixture<ExportedSeries>
{
    private static readonly HashSet<string> PromQlKeywords = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"];

    private static readonly Dictionary<string, string> ExporterJobs = new() { ["mysql_"] = "mariadb", ["redis_"] = "redis" };

    [Fact]
    public void TheDashboardQueriesOnlySeriesPartnerExports()
    {
        var names = DashboardExpressions().SelectMany(MetricNames).ToHashSet();

        Assert.Contains("partner_room_joins_accepted_total", names);
        Assert.Contains("orleans_catalog_activations", names);
        AssertAllExported(names);
    }

    [Fact]
    public void TheAlertRulesWatchOnlySeriesPartnerExports()
    {
        var names = AlertExpressions().SelectMany(MetricNames).ToHashSet();

        Assert.Contains(names, name => name.StartsWith("partner_", StringComparison.Ordinal));
        AssertAllExported(names);
    }

    [Fact]
    public void TheNameCheckRefusesASeriesNobodyExports()
    {
        Assert.False(IsExported("partner_rooms_vanished_total"));
        Assert.False(IsExported("orleans_app_requests_latency_bucket"));
        Assert.True(IsExported("orleans_app_requests_latency_milliseconds_bucket"));
        Assert.Equal(["partner_x_total", "orleans_y"], MetricNames("sum by (le) (rate(partner_x_total{reason=~\"a|b\"}[5m])) / on (job) orleans_y > 0.5"));
    }

    [Fact]
    public void GrafanaProvisioningFindsTheDatasourceAndTheDashboard()
    {
        var datasource = DeployFiles.LoadYaml(DeployFiles.Read("grafana/provisioning/datasources/prometheus.yaml")).List("datasources").Single();
        var provider = DeployFiles.LoadYaml(DeployFiles.Read("grafana/provisioning/dashboards/partner.yaml")).List("providers").Single();
        var grafana = DeployFiles.ResolvedCompose().Map("services").Map("grafana").List("volumes").Cast<string>().ToList();
        using var dashboard = JsonDocument.Parse(DeployFiles.Read("grafana/dashboards/partner.json"));

        Assert.Equal("http://prometheus:9090", datasource.Text("url"));
        var uids = dashboard.RootElement.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("datasource").GetProperty("uid").GetString()).Distinct();
        Assert.Equal([datasource.Text("uid")], uids);
        Assert.Contains(grafana, v => v.EndsWith(":" + provider.Map("options").Text("path") + ":ro", StringComparison.Ordinal) && v.Contains("grafana/dashboards:", StringComparison.Ordinal));
        Assert.Contains(grafana, v => v.Contains("grafana/provisioning:/etc/grafana/provisioning", StringComparison.Ordinal));
    }

    private void AssertAllExported(IEnumerable<string> names)
    {
        var unknown = names.Where(name => !IsExported(name)).ToList();
        Assert.True(unknown.Count == 0, "Queried but exported by no Partner process or scraped exporter: " + string.Join(", ", unknown));
    }

    internal static IEnumerable<string> QueriedNames() => DashboardExpressions().Concat(AlertExpressions()).SelectMany(MetricNames);

    /// <summary>Series neither Partner's own instruments nor a third-party exporter's: a scrape must show them.</summary>
    internal static bool MustBeScraped(string name) => name != "up" && !PartnerSeries().Contains(name) && !ExporterJobs.Keys.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private bool IsExported(string name) =>
        name == "up"
        || PartnerSeries().Contains(name)
        || exported.Names.Contains(name)
        || ExporterJobs.Any(job => name.StartsWith(job.Key, StringComparison.Ordinal) && PrometheusJobNames().Contains(job.Value));

    /// <summary>
    /// Prometheus names of <see cref="PartnerInstruments"/>: <c>partner.rooms.created</c> is <c>partner_rooms_created_total</c> as a
    /// counter, bare as a gauge; a histogram in milliseconds or seconds gets the unit and <c>_bucket</c>, <c>_sum</c>, <c>_count</c>.
    /// </summary>
    private static HashSet<string> PartnerSeries() =>
        typeof(PartnerInstruments).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(name => name.StartsWith("partner.", StringComparison.Ordinal))
            .Select(name => name.Replace('.', '_'))
            .SelectMany(name => new[] { name, name + "_total" }.Concat(
                from unit in new[] { "_milliseconds", "_seconds" } from part in new[] { "_bucket", "_sum", "_count" } select name + unit + part))
            .ToHashSet();

    private static HashSet<string> PrometheusJobNames() =>
        DeployFiles.LoadYaml(DeployFiles.Read("prometheus/prometheus.yml")).List("scrape_configs").Select(job => job.Text("job_name")!).ToHashSet();

    private static IEnumerable<string> DashboardExpressions()
    {
        using var dashboard = JsonDocument.Parse(DeployFiles.Read("grafana/dashboards/partner.json"));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)];
    }

    private static IEnumerable<string> AlertExpressions() =>
        DeployFiles.LoadYaml(DeployFiles.Read("prometheus/alerts.yml")).List("groups")
            .SelectMany(group => group.List("rules")).Select(rule => rule.Text("expr")!);

    /// <summary>The metric names in a PromQL expression: identifiers that are not functions, keywords, label matchers, grouping labels or durations.</summary>
    internal static List<string> MetricNames(string expression)
    {
        var text = QuotedString().Replace(expression, "\"\"");
        text = LabelMatchers().Replace(text, "");
        text = RangeOrOffset().Replace(text, "");
        text = GroupingLabels().Replace(text, "");
        return [.. Identifier().Matches(text).Select(m => m.Value).Where(name => !PromQlKeywords.Contains(name)).Distinct()];
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrOffset();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex GroupingLabels();

    [GeneratedRegex(@"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*\b(?!\s*\()")]
    private static partial Regex Identifier();
}
