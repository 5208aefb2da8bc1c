using System.Globalization;

namespace Partner.Benchmarks;

/// <summary>A deployment's shape: how many silo processes and API processes.</summary>
public sealed record ScaleShape(int Silos, int Apis)
{
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Silos}+{Apis}");

    /// <summary>"2+2": silos, then API nodes.</summary>
    public static ScaleShape Parse(string text)
    {
        var parts = text.Split('+');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var silos) && silos is > 0 and <= 8
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var apis) && apis is > 0 and <= 8
                ? new ScaleShape(silos, apis)
                : throw new ArgumentException($"--shapes takes silos+apis, 1 to 8 each (e.g. 1+1,2+2), not '{text}'.");
    }
}
