using System.Text;

namespace Cadence.Analytics.UserAgents;

/// <summary>How an entry's pattern is compared with a user agent (always ignoring case).</summary>
public enum UserAgentMatch
{
    /// <summary>The pattern anywhere in the user agent: the seed rule's semantics.</summary>
    Substring,

    /// <summary>The whole user agent.</summary>
    Exact,
}

/// <summary>What a match is worth by itself.</summary>
public enum UserAgentWeight
{
    /// <summary>The string is a real browser's user agent: it counts only beside another signal.</summary>
    None,

    /// <summary>A generic tool or library that legitimate software also sends.</summary>
    Low,

    /// <summary>A string no ordinary software sends.</summary>
    High,
}

/// <summary>One known user agent: what to look for, what a match is worth, and where the entry comes from.</summary>
public sealed record KnownUserAgent(string Pattern, UserAgentMatch Match, UserAgentWeight Alone, string Source, string Note)
{
    public bool Matches(string userAgent) => Match == UserAgentMatch.Exact
        ? userAgent.Equals(Pattern, StringComparison.OrdinalIgnoreCase)
        : userAgent.Contains(Pattern, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The shipped list of user agents tied to malware and C2 frameworks (<c>known-bad-user-agents.csv</c>,
/// embedded) plus the user's own (the tuning file's <c>known_bad.user_agents</c>).
/// </summary>
public sealed class KnownUserAgents
{
    public const string TuningSource = "tuning file (known_bad.user_agents)";

    private const string ResourceName = "Cadence.Analytics.UserAgents.known-bad-user-agents.csv";

    private static readonly Lazy<IReadOnlyList<KnownUserAgent>> Shipped = new(LoadShipped);

    public KnownUserAgents(IReadOnlyList<KnownUserAgent> entries) => Entries = entries;

    public IReadOnlyList<KnownUserAgent> Entries { get; }

    /// <summary>The embedded list alone.</summary>
    public static IReadOnlyList<KnownUserAgent> ShippedEntries => Shipped.Value;

    /// <summary>The embedded list and the user's substrings, which are worth a high finding alone: the user put them there.</summary>
    public static KnownUserAgents With(IEnumerable<string> userSubstrings) =>
        new([.. Shipped.Value, .. userSubstrings.Where(s => s.Length > 0)
            .Select(s => new KnownUserAgent(s, UserAgentMatch.Substring, UserAgentWeight.High, TuningSource, "your own indicator"))]);

    /// <summary>The weightiest entry <paramref name="userAgent"/> matches (the first in the file among equals); null when none does.</summary>
    public KnownUserAgent? Match(string userAgent)
    {
        KnownUserAgent? best = null;
        foreach (var entry in Entries)
        {
            if ((best is null || entry.Alone > best.Alone) && entry.Matches(userAgent))
                best = entry;
        }
        return best;
    }

    private static IReadOnlyList<KnownUserAgent> LoadShipped()
    {
        using var stream = typeof(KnownUserAgents).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), "known-bad-user-agents.csv (embedded)");
    }

    /// <summary>
    /// Reads the CSV form (header pattern,match,alone,source,note; # comment lines; RFC 4180
    /// quoting). Throws on the first malformed line: the shipped file is a build input, and a
    /// defect in it must fail the tests, not thin the list.
    /// </summary>
    internal static IReadOnlyList<KnownUserAgent> Parse(string text, string name)
    {
        var entries = new List<KnownUserAgent>();
        var headerSeen = false;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var fields = SplitCsv(line) ?? throw Malformed(name, lineNumber, "unbalanced quotes");
            if (!headerSeen)
            {
                if (!fields.SequenceEqual(["pattern", "match", "alone", "source", "note"], StringComparer.Ordinal))
                    throw Malformed(name, lineNumber, "the header must be pattern,match,alone,source,note");
                headerSeen = true;
                continue;
            }
            if (fields.Count != 5)
                throw Malformed(name, lineNumber, $"{fields.Count} fields, expected 5");
            if (fields[0].Length < 3)
                throw Malformed(name, lineNumber, "a pattern under 3 characters would match ordinary user agents");
            var match = fields[1] switch
            {
                "substring" => UserAgentMatch.Substring,
                "exact" => UserAgentMatch.Exact,
                _ => throw Malformed(name, lineNumber, $"match must be substring or exact, not '{fields[1]}'"),
            };
            var alone = fields[2] switch
            {
                "high" => UserAgentWeight.High,
                "low" => UserAgentWeight.Low,
                "none" => UserAgentWeight.None,
                _ => throw Malformed(name, lineNumber, $"alone must be high, low or none, not '{fields[2]}'"),
            };
            if (fields[3].Length == 0)
                throw Malformed(name, lineNumber, "every entry names its source");
            entries.Add(new KnownUserAgent(fields[0], match, alone, fields[3], fields[4]));
        }
        return entries;
    }

    private static InvalidDataException Malformed(string name, int line, string why) => new($"{name}:{line}: {why}");

    private static List<string>? SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                    quoted = false;
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
            return null;
        fields.Add(field.ToString());
        return fields;
    }
}
