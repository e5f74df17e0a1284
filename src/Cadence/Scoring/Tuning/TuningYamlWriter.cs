using System.Globalization;
using System.Text;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Writes a <see cref="TuningFile"/> as YAML, each key under the comment the embedded default
/// file has for it: the explanations are written once, in the default file, and shown again here.
/// </summary>
internal static class TuningYamlWriter
{
    /// <summary>Flow collections ([a, b], { k: v }) longer than this are written one item a line.</summary>
    private const int Width = 120;

    /// <summary>The key under which <see cref="CollectComments"/> keeps the file's opening comment.</summary>
    private const string HeaderKey = "";

    private static readonly YamlSource Written = new("(written)", IsDefault: false);

    public static string Write(TuningFile file, IReadOnlyDictionary<string, IReadOnlyList<string>> comments)
    {
        var output = new StringBuilder();
        if (comments.TryGetValue(HeaderKey, out var header))
        {
            WriteComments(output, header, "");
            output.Append('\n');
        }
        WriteEntries(output, ToTree(file), 0, "", comments, firstLinePrefix: null);
        return output.ToString();
    }

    /// <summary>Comments by key path (list items as <c>[]</c>), and the file's opening comment block.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> CollectComments(string text, YamlNode tree)
    {
        var comments = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var header = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith('#'))
                break;
            header.Add(trimmed[1..].StartsWith(' ') ? trimmed[2..] : trimmed[1..]);
        }
        comments[HeaderKey] = header;
        Collect(tree, "", comments);
        return comments;

        static void Collect(YamlNode node, string path, Dictionary<string, IReadOnlyList<string>> comments)
        {
            switch (node)
            {
                case YamlMapping mapping:
                    foreach (var (key, value) in mapping.Entries)
                    {
                        var keyPath = Join(path, key.Value);
                        // The first key's comment block is the file header when nothing separates them.
                        if (key.Comments.Count > 0 && !(path.Length == 0 && key.Line == 1 + key.Comments.Count))
                            comments.TryAdd(keyPath, key.Comments);
                        Collect(value, keyPath, comments);
                    }
                    break;
                case YamlSequence sequence:
                    foreach (var item in sequence.Items)
                        Collect(item, path + "[]", comments);
                    break;
            }
        }
    }

    // ---- The model as a tree ----

    private static YamlMapping ToTree(TuningFile file) => Map(
        ("severity", Map(
            ("low", Number(file.Severity.Low)),
            ("medium", Number(file.Severity.Medium)),
            ("high", Number(file.Severity.High)),
            ("critical", Number(file.Severity.Critical)))),
        ("beacon", Map(
            ("min_connections", Number(file.Beacon.MinConnections)),
            ("duplicate_gap", Plain(DurationFormat.Format(file.Beacon.DuplicateGap))),
            ("web_ports", List(file.Beacon.WebPorts.Select(Number))),
            ("max_connections_per_channel", Number(file.Beacon.MaxConnectionsPerChannel)))),
        ("prevalence", Map(
            ("min_fleet_devices", Number(file.Prevalence.MinFleetDevices)),
            ("rare_max_devices", Number(file.Prevalence.RareMaxDevices)),
            ("rare_max_share", Number(file.Prevalence.RareMaxShare)),
            ("common_min_devices", Number(file.Prevalence.CommonMinDevices)),
            ("common_min_share", Number(file.Prevalence.CommonMinShare)),
            ("rare_raise", Number(file.Prevalence.RareRaise)),
            ("common_lower", Number(file.Prevalence.CommonLower)))),
        ("long_connections", List(file.LongConnections.Tiers.Select(tier => Map(
            ("at_least", Plain(DurationFormat.Format(tier.AtLeast))),
            ("severity", Plain(TuningBinder.SeverityText(tier.Severity))))))),
        ("known_bad", Map(
            ("domains", List(file.KnownBad.Domains.Select(Text))),
            ("ips", List(file.KnownBad.Ips.Select(Text))),
            ("ja3_files", List(file.KnownBad.Ja3Files.Select(Text))),
            ("user_agents", List(file.KnownBad.UserAgents.Select(Text))))),
        ("suspicious_processes", List(file.SuspiciousProcesses.Entries.Select(entry => Map(
            ("name", Text(entry.Name)),
            ("reason", Prose(entry.Reason)))))),
        ("suspicious_command_lines", List(file.SuspiciousCommandLines.Entries.Select(entry => Map(
            ("contains", Text(entry.Contains)),
            ("reason", Prose(entry.Reason)))))),
        ("browsers", Map(
            ("processes", List(file.Browsers.Processes.Select(Text))),
            ("user_agent_tokens", List(file.Browsers.UserAgentTokens.Select(Text))),
            ("embedded_engine_tokens", List(file.Browsers.EmbeddedEngineTokens.Select(Text))))),
        ("ja3", Map(
            ("randomizing_processes", List(file.Ja3.RandomizingProcesses.Select(Text))),
            ("randomizing_fingerprints", Number(file.Ja3.RandomizingFingerprints)),
            ("stable_handshakes", Number(file.Ja3.StableHandshakes)),
            ("browser_stack_lower", Number(file.Ja3.BrowserStackLower)))),
        ("allowlist", List(file.Allowlist.Entries.Select(entry => Map(
            ("name", Text(entry.Name)),
            ("class", Plain(AllowlistEntry.ClassName(entry.Class))),
            ("processes", List(entry.Processes.Select(Text))),
            ("domains", List(entry.Domains.Select(Text))),
            ("reason", Prose(entry.Reason)))))));

    private static YamlMapping Map(params (string Key, YamlNode Value)[] entries)
    {
        var mapping = new YamlMapping(Written, 0, 0);
        foreach (var (key, value) in entries)
            mapping.Entries.Add(new(new YamlScalar(Written, 0, 0, key, quoted: false), value));
        return mapping;
    }

    private static YamlSequence List(IEnumerable<YamlNode> items)
    {
        var sequence = new YamlSequence(Written, 0, 0);
        sequence.Items.AddRange(items);
        return sequence;
    }

    private static YamlScalar Plain(string value) => new(Written, 0, 0, value, quoted: false);

    private static YamlScalar Number(int value) => Plain(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Two decimals at least (0.50, as the default file writes thresholds), more only when the value has them.</summary>
    private static YamlScalar Number(double value) =>
        Plain(value == Math.Round(value, 2) ? value.ToString("0.00", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>Sentences are always quoted, so every reason reads the same whatever punctuation it has.</summary>
    private static YamlScalar Prose(string value) => new(Written, 0, 0, value, quoted: true);

    /// <summary>Text is written plain when YAML would read it back as the same text, else double-quoted.</summary>
    private static YamlScalar Text(string value) => new(Written, 0, 0, value, quoted: !IsSafePlain(value) || LooksTyped(value));

    private static bool IsSafePlain(string value)
    {
        if (value.Length == 0 || value[^1] == ' ' || !(char.IsLetterOrDigit(value[0]) || value[0] is '_' or '.' or '/'))
            return false;
        foreach (var c in value)
        {
            if (!(char.IsLetterOrDigit(c) || c is ' ' or '.' or '_' or '-' or '+' or '/' or '\\' or '(' or ')' or '\'' or '@' or '=' or '&'))
                return false;
        }
        return true;
    }

    /// <summary>Plain text YAML would read as a number, a boolean or null.</summary>
    private static bool LooksTyped(string value) =>
        value.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or "null" or "~"
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    // ---- Emitting ----

    private static void WriteEntries(StringBuilder output, YamlMapping mapping, int indent, string path, IReadOnlyDictionary<string, IReadOnlyList<string>>? comments, string? firstLinePrefix)
    {
        var pad = new string(' ', indent);
        var first = true;
        foreach (var (key, value) in mapping.Entries)
        {
            var keyPath = Join(path, key.Value);
            var notes = comments?.GetValueOrDefault(keyPath);
            if (!first && (indent == 0 || notes is { Count: > 0 }))
                output.Append('\n');
            if (notes is not null)
                WriteComments(output, notes, pad);
            output.Append(first && firstLinePrefix is not null ? firstLinePrefix : pad).Append(key.Value).Append(':');
            first = false;
            switch (value)
            {
                case YamlScalar scalar:
                    output.Append(' ').Append(Scalar(scalar)).Append('\n');
                    break;
                case YamlMapping child:
                    output.Append('\n');
                    WriteEntries(output, child, indent + 2, keyPath, comments, null);
                    break;
                case YamlSequence sequence when Flow(sequence) is { } flow && indent + key.Value.Length + 2 + flow.Length <= Width:
                    output.Append(' ').Append(flow).Append('\n');
                    break;
                case YamlSequence sequence:
                    output.Append('\n');
                    WriteItems(output, sequence, indent + 2);
                    break;
            }
        }
    }

    private static void WriteItems(StringBuilder output, YamlSequence sequence, int indent)
    {
        var pad = new string(' ', indent);
        // One style for the whole list: all items on one line each when they all fit, else all in blocks.
        var flows = sequence.Items.Select(Flow).ToList();
        if (flows.All(flow => flow is not null && indent + 2 + flow.Length <= Width))
        {
            foreach (var flow in flows)
                output.Append(pad).Append("- ").Append(flow).Append('\n');
            return;
        }
        var first = true;
        foreach (var item in sequence.Items)
        {
            switch (item)
            {
                case YamlMapping mapping:
                    // Entries of three keys or more (the allowlist's) read better as separate blocks.
                    if (!first && mapping.Entries.Count >= 3)
                        output.Append('\n');
                    WriteEntries(output, mapping, indent + 2, "", comments: null, firstLinePrefix: pad + "- ");
                    break;
                case YamlSequence nested:
                    output.Append(pad).Append("-\n");
                    WriteItems(output, nested, indent + 2);
                    break;
                case YamlScalar scalar:
                    output.Append(pad).Append("- ").Append(Scalar(scalar)).Append('\n');
                    break;
            }
            first = false;
        }
    }

    /// <summary>The one-line form of <paramref name="node"/>; null for a mapping holding more than values and lists of values.</summary>
    private static string? Flow(YamlNode node) => node switch
    {
        YamlScalar scalar => Scalar(scalar),
        YamlSequence sequence when sequence.Items.All(i => i is YamlScalar) =>
            "[" + string.Join(", ", sequence.Items.Select(i => Scalar((YamlScalar)i))) + "]",
        YamlMapping mapping when mapping.Entries.All(e => e.Value is YamlScalar || (e.Value is YamlSequence s && s.Items.All(i => i is YamlScalar))) =>
            "{ " + string.Join(", ", mapping.Entries.Select(e => $"{e.Key.Value}: {Flow(e.Value)}")) + " }",
        _ => null,
    };

    private static string Scalar(YamlScalar scalar) => scalar.Quoted ? DoubleQuoted(scalar.Value) : scalar.Value;

    /// <summary>YAML double quotes; control and invisible format characters (bidi overrides) escaped so the file shows what it holds.</summary>
    private static string DoubleQuoted(string value)
    {
        var output = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '\t': output.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
                        output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        output.Append(c);
                    break;
            }
        }
        return output.Append('"').ToString();
    }

    private static void WriteComments(StringBuilder output, IReadOnlyList<string> lines, string pad)
    {
        foreach (var line in lines)
            output.Append(pad).Append(line.Length == 0 ? "#" : "# " + line).Append('\n');
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
