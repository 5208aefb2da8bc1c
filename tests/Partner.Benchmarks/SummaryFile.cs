namespace Partner.Benchmarks;

/// <summary>The summary file's sections: a suite that runs alone replaces its own and keeps the others.</summary>
public static class SummaryFile
{
    public const string Title = "# Partner benchmark results\n";

    /// <summary><paramref name="summary"/> with the section under <paramref name="heading"/> replaced by <paramref name="section"/> (appended when absent).</summary>
    public static string Merge(string summary, string heading, string section)
    {
        var start = summary.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return summary.TrimEnd('\n') + "\n\n" + section;
        }

        var end = summary.IndexOf("\n## ", start + 1 + heading.Length, StringComparison.Ordinal);
        return summary[..(start + 1)] + section + (end < 0 ? string.Empty : "\n" + summary[(end + 1)..]);
    }

    /// <summary>The section under <paramref name="heading"/>, up to the next section; null when absent.</summary>
    public static string? Section(string summary, string heading)
    {
        var start = summary.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = summary.IndexOf("\n## ", start + 1 + heading.Length, StringComparison.Ordinal);
        return end < 0 ? summary[(start + 1)..] : summary[(start + 1)..(end + 1)];
    }
}
