using System.Globalization;

namespace Partner.Benchmarks;

/// <summary>
/// A deployment's shape: how many silo processes and API processes, or (<see cref="CoHosted"/>) how many API processes that
/// each host a silo (<c>Partner:Cluster:CoHosted</c>).
/// </summary>
public sealed record ScaleShape(int Silos, int Apis, bool CoHosted = false)
{
    public string Name => CoHosted
        ? string.Create(CultureInfo.InvariantCulture, $"{Apis}co")
        : string.Create(CultureInfo.InvariantCulture, $"{Silos}+{Apis}");

    /// <summary>"2+2": silos, then API nodes; "2co": two API nodes hosting a silo each.</summary>
    public static ScaleShape Parse(string text)
    {
        if (text.EndsWith("co", StringComparison.Ordinal))
        {
            return int.TryParse(text[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out var nodes) && nodes is > 0 and <= 8
                ? new ScaleShape(nodes, nodes, CoHosted: true)
                : throw new ArgumentException($"--shapes takes Nco for N co-hosted nodes, 1 to 8 (e.g. 2co), not '{text}'.");
        }

        var parts = text.Split('+');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var silos) && silos is > 0 and <= 8
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var apis) && apis is > 0 and <= 8
                ? new ScaleShape(silos, apis)
                : throw new ArgumentException($"--shapes takes silos+apis, 1 to 8 each (e.g. 1+1,2+2), or Nco for N co-hosted nodes (e.g. 2co), not '{text}'.");
    }
}
