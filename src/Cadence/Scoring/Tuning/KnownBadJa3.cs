using System.Text;

namespace Cadence.Scoring.Tuning;

/// <summary>One known-bad TLS client fingerprint, and where it was published.</summary>
/// <param name="Ja3">32 lower-case hex digits.</param>
/// <param name="Ja3s">The C2 server's JA3S when the publisher gave the pair; null otherwise.</param>
/// <param name="Origin">The file and line the entry came from.</param>
public sealed record KnownBadJa3Entry(string Ja3, string? Ja3s, string Name, string Source, string Origin);

/// <summary>A known-bad fingerprint a channel showed; <paramref name="PairMatched"/> when its JA3S did too.</summary>
public sealed record Ja3Match(KnownBadJa3Entry Entry, bool PairMatched);

/// <summary>
/// Known-bad JA3 fingerprints (optionally with their C2 server's JA3S): the shipped
/// <c>known-bad-ja3.csv</c> plus the user's files named by <c>known_bad.ja3_files</c>.
/// </summary>
public sealed class KnownBadJa3
{
    private const string ResourceName = "Cadence.Scoring.Tuning.known-bad-ja3.csv";

    /// <summary>How errors in the shipped file would name it.</summary>
    public const string ShippedFileName = "known-bad-ja3.csv (embedded)";

    /// <summary>The header every file starts with (after its comments).</summary>
    public const string Header = "ja3,ja3s,name,source";

    private static readonly Lazy<KnownBadJa3> ShippedTable = new(LoadShipped);

    private readonly Dictionary<string, List<KnownBadJa3Entry>> _byJa3 = new(StringComparer.OrdinalIgnoreCase);

    public KnownBadJa3(IEnumerable<KnownBadJa3Entry> entries)
    {
        Entries = [.. entries];
        foreach (var entry in Entries)
        {
            if (!_byJa3.TryGetValue(entry.Ja3, out var list))
                _byJa3[entry.Ja3] = list = [];
            list.Add(entry);
        }
    }

    /// <summary>The fingerprints shipped with Cadence.</summary>
    public static KnownBadJa3 Shipped => ShippedTable.Value;

    public IReadOnlyList<KnownBadJa3Entry> Entries { get; }

    /// <summary>This table and <paramref name="more"/>.</summary>
    public KnownBadJa3 With(IEnumerable<KnownBadJa3Entry> more) => new(Entries.Concat(more));

    /// <summary>
    /// The strongest match among a channel's fingerprints: a JA3 whose listed JA3S the channel
    /// also shows beats a JA3 alone; null when no JA3 is listed. A channel is one destination, so
    /// its JA3S values are that server's answers.
    /// </summary>
    public Ja3Match? Match(IEnumerable<string> ja3, IReadOnlySet<string> ja3s)
    {
        Ja3Match? best = null;
        foreach (var value in ja3)
        {
            if (!_byJa3.TryGetValue(value, out var entries))
                continue;
            foreach (var entry in entries)
            {
                var pair = entry.Ja3s is not null && ja3s.Any(s => string.Equals(s, entry.Ja3s, StringComparison.OrdinalIgnoreCase));
                if (best is null || (pair && !best.PairMatched))
                    best = new Ja3Match(entry, pair);
            }
        }
        return best;
    }

    /// <summary>
    /// Reads a fingerprint file: '#' comment lines and blank lines anywhere, then the header
    /// <c>ja3,ja3s,name,source</c>, then one entry a line (RFC 4180 quoting for commas). Every
    /// problem goes to <paramref name="error"/> (line, column, message); good rows are kept.
    /// </summary>
    public static List<KnownBadJa3Entry> Parse(string text, string fileName, Action<long, long, string> error)
    {
        var entries = new List<KnownBadJa3Entry>();
        var seen = new Dictionary<(string, string?), long>();
        var headerSeen = false;
        long lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.AsSpan().Trim().IsEmpty || line.TrimStart().StartsWith('#'))
                continue;
            var cells = SplitCsv(line, out var quoteProblem);
            if (quoteProblem)
            {
                error(lineNumber, 1, "unbalanced quotes");
                continue;
            }
            if (!headerSeen)
            {
                headerSeen = true;
                if (!string.Equals(string.Join(',', cells.Select(c => c.Trim())), Header, StringComparison.OrdinalIgnoreCase))
                    error(lineNumber, 1, $"expected the header '{Header}' before the first entry");
                continue;
            }
            if (cells.Count != 4)
            {
                error(lineNumber, 1, $"expected 4 columns ({Header}), got {cells.Count}");
                continue;
            }
            var ja3 = cells[0].Trim().ToLowerInvariant();
            var ja3s = cells[1].Trim().ToLowerInvariant();
            var name = cells[2].Trim();
            var source = cells[3].Trim();
            var ok = true;
            if (!IsMd5(ja3))
            {
                error(lineNumber, 1, $"ja3 '{Clip(cells[0])}' is not 32 hex digits (an MD5, as Zeek and Defender log it)");
                ok = false;
            }
            if (ja3s.Length > 0 && !IsMd5(ja3s))
            {
                error(lineNumber, 1, $"ja3s '{Clip(cells[1])}' is not 32 hex digits; leave it empty when the server's fingerprint is unknown");
                ok = false;
            }
            if (name.Length == 0)
            {
                error(lineNumber, 1, "name is empty: findings say what the fingerprint is of");
                ok = false;
            }
            if (source.Length == 0)
            {
                error(lineNumber, 1, "source is empty: say where the fingerprint was published, so an analyst can judge it");
                ok = false;
            }
            if (!ok)
                continue;
            var key = (ja3, ja3s.Length == 0 ? null : ja3s);
            if (seen.TryGetValue(key, out var first))
            {
                error(lineNumber, 1, $"{ja3}{(key.Item2 is null ? "" : "," + key.Item2)} is listed twice (first at line {first})");
                continue;
            }
            seen[key] = lineNumber;
            entries.Add(new KnownBadJa3Entry(ja3, key.Item2, name, source, $"{fileName}:{lineNumber}"));
        }
        if (!headerSeen)
            error(0, 0, $"no header: expected '{Header}'");
        return entries;
    }

    private static bool IsMd5(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigit);

    private static string Clip(string value) => value.Length <= 40 ? value : value[..37] + "...";

    private static List<string> SplitCsv(string line, out bool quoteProblem)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                    cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                    cell.Append(line[++i]);
                else
                    quoted = false;
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString());
        quoteProblem = quoted;
        return cells;
    }

    private static KnownBadJa3 LoadShipped()
    {
        using var stream = typeof(KnownBadJa3).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var problems = new List<string>();
        var entries = Parse(reader.ReadToEnd(), ShippedFileName, (line, _, message) => problems.Add($"line {line}: {message}"));
        if (problems.Count > 0)
            throw new InvalidOperationException("the shipped known-bad-ja3.csv is invalid (a build defect): " + string.Join("; ", problems));
        return new KnownBadJa3(entries);
    }
}
