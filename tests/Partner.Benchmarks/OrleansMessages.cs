using System.Globalization;

namespace Partner.Benchmarks;

/// <summary>
/// Orleans messages each process sent, read from its Prometheus <c>/metrics</c>: over the network (the count of the
/// <c>orleans-messaging-sent-messages-size</c> histogram, every direction) and delivered within the process
/// (<c>orleans-messaging-sent-local</c>). Unlike CPU time, these counts do not depend on how busy the machine is.
/// </summary>
public sealed class OrleansMessages(IReadOnlyDictionary<string, Uri> metrics)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Each process's totals so far, by process name; a process whose metrics could not be read is left out.</summary>
    public async Task<IReadOnlyDictionary<string, MessageCounts>> ReadAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, MessageCounts>();
        foreach (var (name, uri) in metrics)
        {
            try
            {
                counts[name] = Parse(await Http.GetStringAsync(uri, cancellationToken));
            }
            catch (HttpRequestException)
            {
                // Reported as missing: the table shows a dash for this process.
            }
        }

        return counts;
    }

    /// <summary>What each process sent between two readings.</summary>
    public static IReadOnlyDictionary<string, MessageCounts> Between(IReadOnlyDictionary<string, MessageCounts> before, IReadOnlyDictionary<string, MessageCounts> after) =>
        after.Where(a => before.ContainsKey(a.Key)).ToDictionary(a => a.Key, a => new MessageCounts(a.Value.Network - before[a.Key].Network, a.Value.Local - before[a.Key].Local));

    /// <summary>Sums the sent-message histogram's counts (every label set) and the local-delivery counter from Prometheus text.</summary>
    public static MessageCounts Parse(string text)
    {
        double network = 0, local = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            // name{labels} value [timestamp], or name value [timestamp]
            var nameEnd = line.IndexOfAny(['{', ' ']);
            var labelsEnd = line.LastIndexOf('}');
            var sample = (labelsEnd >= 0 ? line[(labelsEnd + 1)..] : line[Math.Max(nameEnd, 0)..]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (nameEnd <= 0 || sample.Length == 0 || !double.TryParse(sample[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var name = line[..nameEnd];
            if (name.StartsWith("orleans_messaging_sent_messages_size", StringComparison.Ordinal) && name.EndsWith("_count", StringComparison.Ordinal))
            {
                network += value;
            }
            else if (name.StartsWith("orleans_messaging_sent_local", StringComparison.Ordinal) && !name.EndsWith("_created", StringComparison.Ordinal))
            {
                local += value;
            }
        }

        return new MessageCounts(network, local);
    }
}

/// <summary>Orleans messages sent over the network and delivered within the process.</summary>
public readonly record struct MessageCounts(double Network, double Local);
