using System.Globalization;
using System.Net;
using Cadence.Telemetry;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Checks a merged tree against the tuning schema and builds the model. Every check runs and
/// records its error rather than stopping, so one pass reports every mistake in the file; a
/// value that failed its own check is left out of the cross-checks that depend on it, so one
/// mistake is one error.
/// </summary>
internal sealed class TuningBinder(TuningErrors errors)
{
    private const string AllowlistKeying =
        "an allowlist entry is keyed by process AND domain: by domain alone it would hide malware using the same service, by process alone a beacon injected into that process";

    public TuningFile? Bind(YamlNode root)
    {
        var before = errors.Count;
        var top = Map(root, "", "severity", "beacon", "prevalence", "long_connections", "known_bad", "suspicious_processes", "suspicious_command_lines",
            "browsers", "ja3", "allowlist");
        if (top is null)
            return null;
        var severity = BindSeverity(top["severity"], "severity");
        var beacon = BindBeacon(top["beacon"], "beacon");
        var prevalence = BindPrevalence(top["prevalence"], "prevalence");
        var longConnections = BindLongConnections(top["long_connections"], "long_connections");
        var knownBad = BindKnownBad(top["known_bad"], "known_bad");
        var processes = BindSuspiciousProcesses(top["suspicious_processes"], "suspicious_processes");
        var commandLines = BindSuspiciousCommandLines(top["suspicious_command_lines"], "suspicious_command_lines");
        var browsers = BindBrowsers(top["browsers"], "browsers");
        var ja3 = BindJa3(top["ja3"], "ja3");
        var allowlist = BindAllowlist(top["allowlist"], "allowlist");
        if (errors.Count > before)
            return null;
        return new TuningFile(severity!, beacon!, prevalence!, longConnections!, knownBad!, processes!, commandLines!, browsers!, ja3!, allowlist!);
    }

    private SeverityThresholds? BindSeverity(YamlNode? node, string path)
    {
        string[] levels = ["low", "medium", "high", "critical"];
        var fields = Map(node, path, levels);
        if (fields is null)
            return null;
        var values = levels.Select(level => Number(fields[level], Join(path, level), 0, 1)).ToArray();
        for (var i = 1; i < levels.Length; i++)
        {
            if (values[i - 1] is { } lower && values[i] is { } upper && !(upper > lower))
            {
                var (blamed, key) = Blame(fields[levels[i - 1]]!, levels[i - 1], fields[levels[i]]!, levels[i]);
                Error(blamed, Join(path, key), Invariant($"{path}.{levels[i]} ({upper}) must be greater than {path}.{levels[i - 1]} ({lower}): thresholds rise from low to critical"));
            }
        }
        return new SeverityThresholds(values[0] ?? 0, values[1] ?? 0, values[2] ?? 0, values[3] ?? 0);
    }

    private BeaconTuning? BindBeacon(YamlNode? node, string path)
    {
        var fields = Map(node, path, "min_connections", "duplicate_gap", "web_ports", "max_connections_per_channel");
        if (fields is null)
            return null;
        var minConnections = Int(fields["min_connections"], Join(path, "min_connections"), 3, 1_000_000,
            "3 connections are the fewest whose two intervals can show a period");
        var duplicateGap = Duration(fields["duplicate_gap"], Join(path, "duplicate_gap"), TimeSpan.FromHours(1),
            "a longer gap would merge real check-ins of fast beacons");
        var ports = new List<int>();
        if (List(fields["web_ports"], Join(path, "web_ports")) is { } portList)
        {
            var seen = new HashSet<int>();
            for (var i = 0; i < portList.Items.Count; i++)
            {
                var itemPath = $"{path}.web_ports[{i}]";
                if (Int(portList.Items[i], itemPath, 1, 65535) is not { } port)
                    continue;
                if (!seen.Add(port))
                    Error(portList.Items[i], itemPath, Invariant($"port {port} is listed twice"));
                ports.Add(port);
            }
        }
        var maxNode = fields["max_connections_per_channel"];
        var maxConnections = Int(maxNode, Join(path, "max_connections_per_channel"), 3, 10_000_000,
            "each timed connection costs 40 bytes; 10 million in one channel is already 400 MB");
        if (maxConnections < minConnections)
        {
            var (blamed, key) = Blame(fields["min_connections"]!, "min_connections", maxNode!, "max_connections_per_channel");
            Error(blamed, Join(path, key), Invariant($"{path}.max_connections_per_channel ({maxConnections}) is below {path}.min_connections ({minConnections}): no channel could be timed"));
        }
        return new BeaconTuning(minConnections ?? 0, duplicateGap ?? TimeSpan.Zero, ValueList.Of(ports), maxConnections ?? 0);
    }

    private PrevalenceTuning? BindPrevalence(YamlNode? node, string path)
    {
        var fields = Map(node, path, "min_fleet_devices", "rare_max_devices", "rare_max_share", "common_min_devices", "common_min_share", "rare_raise", "common_lower");
        if (fields is null)
            return null;
        var minFleet = Int(fields["min_fleet_devices"], Join(path, "min_fleet_devices"), 1, 1_000_000);
        var rareDevices = Int(fields["rare_max_devices"], Join(path, "rare_max_devices"), 0, 1_000_000);
        var rareShare = Number(fields["rare_max_share"], Join(path, "rare_max_share"), 0, 1);
        var commonDevices = Int(fields["common_min_devices"], Join(path, "common_min_devices"), 1, 1_000_000);
        var commonShare = Number(fields["common_min_share"], Join(path, "common_min_share"), 0, 1);
        var raise = Int(fields["rare_raise"], Join(path, "rare_raise"), 0, 4, "4 steps already take info to critical");
        var lower = Int(fields["common_lower"], Join(path, "common_lower"), 0, 4, "4 steps already take critical to info");
        if (rareDevices >= commonDevices)
        {
            var (blamed, key) = Blame(fields["rare_max_devices"]!, "rare_max_devices", fields["common_min_devices"]!, "common_min_devices");
            Error(blamed, Join(path, key), Invariant($"{path}.common_min_devices ({commonDevices}) must be greater than {path}.rare_max_devices ({rareDevices}): a destination cannot be rare and common at once"));
        }
        if (rareShare >= commonShare)
        {
            var (blamed, key) = Blame(fields["rare_max_share"]!, "rare_max_share", fields["common_min_share"]!, "common_min_share");
            Error(blamed, Join(path, key), Invariant($"{path}.common_min_share ({commonShare}) must be greater than {path}.rare_max_share ({rareShare}): a destination cannot be rare and common at once"));
        }
        return new PrevalenceTuning(minFleet ?? 0, rareDevices ?? 0, rareShare ?? 0, commonDevices ?? 0, commonShare ?? 0, raise ?? 0, lower ?? 0);
    }

    private LongConnectionTiers? BindLongConnections(YamlNode? node, string path)
    {
        if (List(node, path) is not { } list)
            return null;
        var tiers = new List<LongConnectionTier>();
        LongConnectionTier? previous = null;
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var fields = Map(list.Items[i], itemPath, "at_least", "severity");
            if (fields is null)
                continue;
            var atLeast = Duration(fields["at_least"], Join(itemPath, "at_least"), TimeSpan.MaxValue, null);
            var severity = SeverityName(fields["severity"], Join(itemPath, "severity"));
            if (atLeast is null || severity is null)
                continue;
            var tier = new LongConnectionTier(atLeast.Value, severity.Value);
            if (previous is not null)
            {
                if (tier.AtLeast <= previous.AtLeast)
                    Error(fields["at_least"]!, Join(itemPath, "at_least"), $"{DurationFormat.Format(tier.AtLeast)} must be longer than the tier before it ({DurationFormat.Format(previous.AtLeast)}): tiers go from shortest to longest");
                if (tier.Severity <= previous.Severity)
                    Error(fields["severity"]!, Join(itemPath, "severity"), $"{SeverityText(tier.Severity)} must be more severe than the tier before it ({SeverityText(previous.Severity)}): a longer connection is never less suspicious");
            }
            previous = tier;
            tiers.Add(tier);
        }
        return new LongConnectionTiers(ValueList.Of(tiers));
    }

    private KnownBad? BindKnownBad(YamlNode? node, string path)
    {
        var fields = Map(node, path, "domains", "ips", "ja3_files", "user_agents");
        if (fields is null)
            return null;
        var domains = Texts(fields["domains"], Join(path, "domains"), value => NameMatching.DomainProblem(value, requireTwoLabels: false));
        var ips = Texts(fields["ips"], Join(path, "ips"), IpProblem);
        var ja3Files = Texts(fields["ja3_files"], Join(path, "ja3_files"), static _ => null) ?? [];
        var ja3 = new List<KnownBadJa3Entry>();
        for (var i = 0; i < ja3Files.Count; i++)
            ja3.AddRange(BindJa3File(ja3Files[i].Value, ja3Files[i].Node, $"{path}.ja3_files[{i}]"));
        var userAgents = Texts(fields["user_agents"], Join(path, "user_agents"), value =>
            value.Trim().Length < 3 ? $"{YamlScalar.Quote(value)} is too short: under 3 characters it would match ordinary user agents" : null);
        return new KnownBad(ValueList.Of(domains?.Select(d => d.Value) ?? []), ValueList.Of(ips?.Select(i => i.Value) ?? []))
        {
            UserAgents = ValueList.Of(userAgents?.Select(u => u.Value) ?? []),
            Ja3Files = ValueList.Of(ja3Files.Select(f => f.Value)),
            Ja3 = KnownBadJa3.Shipped.With(ja3),
        };
    }

    /// <summary>A user's fingerprint file, relative to the tuning file that names it; its every bad line is an error.</summary>
    private List<KnownBadJa3Entry> BindJa3File(string file, YamlNode node, string path)
    {
        var directory = node.Source.IsDefault ? null : Path.GetDirectoryName(Path.GetFullPath(node.Source.File));
        var full = Path.IsPathRooted(file) || directory is null ? file : Path.Combine(directory, file);
        string text;
        try
        {
            var info = new FileInfo(full);
            if (info.Exists && info.Length > TuningFile.MaxFileBytes)
            {
                Error(node, path, $"{YamlScalar.Quote(file)} is larger than {TuningFile.MaxFileBytes >> 20} MB: not a fingerprint file");
                return [];
            }
            text = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Error(node, path, $"cannot read {YamlScalar.Quote(file)}: {ex.Message}");
            return [];
        }
        return KnownBadJa3.Parse(text, file, (line, column, message) => errors.Add(file, line, column, path, message));
    }

    private SuspiciousProcesses? BindSuspiciousProcesses(YamlNode? node, string path)
    {
        if (List(node, path) is not { } list)
            return null;
        var entries = new List<SuspiciousProcess>();
        var names = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var fields = Map(list.Items[i], itemPath, "name", "reason");
            if (fields is null)
                continue;
            var name = Text(fields["name"], Join(itemPath, "name"), NameMatching.ProcessProblem);
            var reason = Text(fields["reason"], Join(itemPath, "reason"), null);
            if (name is not null && !names.TryAdd(name, fields["name"]!.Line))
                Error(fields["name"]!, Join(itemPath, "name"), $"{YamlScalar.Quote(name)} is listed twice (first at line {names[name]})");
            entries.Add(new SuspiciousProcess(name ?? "", reason ?? ""));
        }
        return new SuspiciousProcesses(ValueList.Of(entries));
    }

    private SuspiciousCommandLines? BindSuspiciousCommandLines(YamlNode? node, string path)
    {
        if (List(node, path) is not { } list)
            return null;
        var entries = new List<SuspiciousCommandLine>();
        var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var fields = Map(list.Items[i], itemPath, "contains", "reason");
            if (fields is null)
                continue;
            var contains = Text(fields["contains"], Join(itemPath, "contains"), value =>
                value.Trim().Length < 3 ? $"{YamlScalar.Quote(value)} is too short: under 3 characters it would match ordinary command lines" : null);
            var reason = Text(fields["reason"], Join(itemPath, "reason"), null);
            if (contains is not null && !seen.TryAdd(contains, fields["contains"]!.Line))
                Error(fields["contains"]!, Join(itemPath, "contains"), $"{YamlScalar.Quote(contains)} is listed twice (first at line {seen[contains]})");
            entries.Add(new SuspiciousCommandLine(contains ?? "", reason ?? ""));
        }
        return new SuspiciousCommandLines(ValueList.Of(entries));
    }

    private BrowserTuning? BindBrowsers(YamlNode? node, string path)
    {
        var fields = Map(node, path, "processes", "user_agent_tokens", "embedded_engine_tokens");
        if (fields is null)
            return null;
        var processes = UniqueTexts(fields["processes"], Join(path, "processes"), NameMatching.ProcessProblem, StringComparer.OrdinalIgnoreCase);
        var browserTokens = UniqueTexts(fields["user_agent_tokens"], Join(path, "user_agent_tokens"), TokenProblem, StringComparer.Ordinal);
        var engineTokens = UniqueTexts(fields["embedded_engine_tokens"], Join(path, "embedded_engine_tokens"), TokenProblem, StringComparer.Ordinal);
        return new BrowserTuning(ValueList.Of(processes ?? []), ValueList.Of(browserTokens ?? []), ValueList.Of(engineTokens ?? []));
    }

    private Ja3Tuning? BindJa3(YamlNode? node, string path)
    {
        var fields = Map(node, path, "randomizing_processes", "randomizing_fingerprints", "stable_handshakes", "browser_stack_lower");
        if (fields is null)
            return null;
        var processes = UniqueTexts(fields["randomizing_processes"], Join(path, "randomizing_processes"), NameMatching.ProcessProblem, StringComparer.OrdinalIgnoreCase);
        var randomizing = Int(fields["randomizing_fingerprints"], Join(path, "randomizing_fingerprints"), 2, 1_000,
            "with 1, every client that shows a JA3 at all would count as randomizing, and JA3 rarity would never be used");
        var stable = Int(fields["stable_handshakes"], Join(path, "stable_handshakes"), 2, 1_000,
            "one handshake cannot show that a fingerprint stays the same");
        var browserStackLower = Int(fields["browser_stack_lower"], Join(path, "browser_stack_lower"), 0, 4,
            "four steps take a critical finding to info; more would mean nothing");
        return new Ja3Tuning(ValueList.Of(processes ?? []), randomizing ?? 0, stable ?? 0, browserStackLower ?? 0);
    }

    /// <summary>Why <paramref name="value"/> cannot be a user-agent token, or null.</summary>
    private static string? TokenProblem(string value) =>
        value.Length < 3 ? $"{YamlScalar.Quote(value)} is too short: under 3 characters it would match ordinary user agents by accident" : null;

    /// <summary>A list of texts, each checked by <paramref name="problem"/>, none listed twice (as <paramref name="comparer"/> compares them).</summary>
    private List<string>? UniqueTexts(YamlNode? node, string path, Func<string, string?> problem, StringComparer comparer)
    {
        if (Texts(node, path, problem) is not { } texts)
            return null;
        var seen = new Dictionary<string, long>(comparer);
        foreach (var (value, item) in texts)
        {
            if (!seen.TryAdd(value, item.Line))
                Error(item, $"{path}[{((YamlSequence)node!).Items.IndexOf(item)}]", $"{YamlScalar.Quote(value)} is listed twice (first at line {seen[value]})");
        }
        return [.. texts.Select(t => t.Value)];
    }

    private Allowlist? BindAllowlist(YamlNode? node, string path)
    {
        if (List(node, path) is not { } list)
            return null;
        var entries = new List<AllowlistEntry>();
        var names = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var fields = Map(list.Items[i], itemPath, ["name", "class", "processes", "domains", "reason"], AllowlistKeying);
            if (fields is null)
                continue;
            var name = Text(fields["name"], Join(itemPath, "name"), null);
            if (name is not null && !names.TryAdd(name, fields["name"]!.Line))
                Error(fields["name"]!, Join(itemPath, "name"), $"{YamlScalar.Quote(name)} names another entry too (line {names[name]}): findings name the entry that suppressed them, so names are unique");
            var classValue = ClassName(fields["class"], Join(itemPath, "class"));
            var processes = NonEmptyTexts(fields["processes"], Join(itemPath, "processes"), NameMatching.ProcessProblem);
            var domains = NonEmptyTexts(fields["domains"], Join(itemPath, "domains"), value => NameMatching.DomainProblem(value, requireTwoLabels: true));
            var reason = Text(fields["reason"], Join(itemPath, "reason"), null);
            entries.Add(new AllowlistEntry(
                name ?? "",
                classValue ?? AllowlistClass.BrowserRefresh,
                ValueList.Of(processes ?? []),
                ValueList.Of(domains?.Select(d => d.TrimEnd('.')) ?? []),
                reason ?? ""));
        }
        return new Allowlist(ValueList.Of(entries));
    }

    private List<string>? NonEmptyTexts(YamlNode? node, string path, Func<string, string?> problem)
    {
        var texts = Texts(node, path, problem);
        if (texts is not null && texts.Count == 0 && node is YamlSequence { Items.Count: 0 })
            Error(node, path, $"must list at least one: {AllowlistKeying}");
        return texts?.Select(t => t.Value).ToList();
    }

    private List<(string Value, YamlNode Node)>? Texts(YamlNode? node, string path, Func<string, string?> problem)
    {
        if (List(node, path) is not { } list)
            return null;
        var texts = new List<(string, YamlNode)>(list.Items.Count);
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (Text(list.Items[i], $"{path}[{i}]", problem) is { } text)
                texts.Add((text, list.Items[i]));
        }
        return texts;
    }

    private static string? IpProblem(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            // IPNetwork.TryParse quietly masks host bits (10.0.0.1/8 becomes 10.0.0.0/8); a range
            // written that way is more likely a typo for an address or a prefix, so it is refused.
            return IPNetwork.TryParse(value, out var network) && NameMatching.Address(value.AsSpan(0, slash)) is { } address && address.Equals(network.BaseAddress)
                ? null
                : $"{YamlScalar.Quote(value)} is not a CIDR range with its host bits zero (203.0.113.0/24)";
        }
        return NameMatching.Address(value) is null ? $"{YamlScalar.Quote(value)} is not an IP address (203.0.113.7, 2001:db8::7) or a CIDR range (203.0.113.0/24)" : null;
    }

    // ---- Shapes ----

    private sealed class Fields(Dictionary<string, YamlNode> nodes)
    {
        public YamlNode? this[string key] => nodes.GetValueOrDefault(key);
    }

    private Fields? Map(YamlNode? node, string path, params string[] keys) => Map(node, path, keys, null);

    private Fields? Map(YamlNode? node, string path, string[] keys, string? missingHint)
    {
        if (node is null)
            return null;
        if (node is not YamlMapping mapping)
        {
            Error(node, path, $"expected a mapping ({string.Join(", ", keys.Select(k => k + ":"))}), got {node.Describe()}");
            return null;
        }
        var found = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (Array.IndexOf(keys, key.Value) < 0)
                Error(key, Join(path, key.Value), UnknownKey(key.Value, keys));
            else
                found[key.Value] = value;
        }
        foreach (var key in keys)
        {
            if (!found.ContainsKey(key))
                Error(mapping, Join(path, key), missingHint is null ? "missing: this key is required" : $"missing: {missingHint}");
        }
        return new Fields(found);
    }

    private YamlSequence? List(YamlNode? node, string path)
    {
        if (node is null)
            return null;
        if (node is YamlSequence sequence)
            return sequence;
        Error(node, path, node is YamlScalar { IsNull: true }
            ? "expected a list, got nothing (write [] for an empty list)"
            : $"expected a list, got {node.Describe()}");
        return null;
    }

    private YamlScalar? Scalar(YamlNode node, string path, string expected)
    {
        if (node is YamlScalar { IsNull: false } scalar)
            return scalar;
        Error(node, path, $"expected {expected}, got {node.Describe()}");
        return null;
    }

    private int? Int(YamlNode? node, string path, int min, int max, string? why = null)
    {
        if (node is null)
            return null;
        var expected = Invariant($"a whole number from {min} to {max}");
        if (Scalar(node, path, expected) is not { } scalar)
            return null;
        if (scalar.Quoted || !int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, path, $"expected {expected}, got {scalar.Describe()}");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, path, Invariant($"{value} is out of range: expected {min} to {max}") + (why is null ? "" : $" ({why})"));
            return null;
        }
        return value;
    }

    private double? Number(YamlNode? node, string path, double min, double max)
    {
        if (node is null)
            return null;
        var expected = Invariant($"a number from {min} to {max}");
        if (Scalar(node, path, expected) is not { } scalar)
            return null;
        if (scalar.Quoted
            || !double.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            Error(node, path, $"expected {expected}, got {scalar.Describe()}");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, path, Invariant($"{value} is out of range: expected {min} to {max}"));
            return null;
        }
        return value;
    }

    private TimeSpan? Duration(YamlNode? node, string path, TimeSpan max, string? why)
    {
        if (node is null)
            return null;
        const string Expected = "a duration such as 1s, 30m, 4h, 7d or 1d12h";
        if (Scalar(node, path, Expected) is not { } scalar)
            return null;
        if (!DurationText.TryParse(scalar.Value, out var value))
        {
            Error(node, path, $"expected {Expected}, got {scalar.Describe()}");
            return null;
        }
        if (value > max)
        {
            Error(node, path, $"{DurationFormat.Format(value)} is too long: at most {DurationFormat.Format(max)}" + (why is null ? "" : $" ({why})"));
            return null;
        }
        return value;
    }

    private string? Text(YamlNode? node, string path, Func<string, string?>? problem)
    {
        if (node is null)
            return null;
        if (Scalar(node, path, "text") is not { } scalar)
            return null;
        if (scalar.Value.AsSpan().Trim().Length == 0)
        {
            Error(node, path, "expected text, got an empty string");
            return null;
        }
        if (problem?.Invoke(scalar.Value) is { } message)
        {
            Error(node, path, message);
            return null;
        }
        return scalar.Value;
    }

    private Severity? SeverityName(YamlNode? node, string path)
    {
        if (node is null)
            return null;
        const string Expected = "one of info, low, medium, high, critical";
        if (Scalar(node, path, Expected) is not { } scalar)
            return null;
        foreach (var value in Enum.GetValues<Severity>())
        {
            if (string.Equals(SeverityText(value), scalar.Value, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        Error(node, path, $"expected {Expected}, got {scalar.Describe()}");
        return null;
    }

    private AllowlistClass? ClassName(YamlNode? node, string path)
    {
        if (node is null)
            return null;
        var expected = "one of " + string.Join(", ", Enum.GetValues<AllowlistClass>().Select(AllowlistEntry.ClassName));
        if (Scalar(node, path, expected) is not { } scalar)
            return null;
        if (AllowlistEntry.ParseClass(scalar.Value) is { } value)
            return value;
        Error(node, path, $"expected {expected}, got {scalar.Describe()}");
        return null;
    }

    internal static string SeverityText(Severity severity) => severity.ToString().ToLowerInvariant();

    // ---- Reporting ----

    private void Error(YamlNode node, string path, string message) => errors.Add(node, path, message);

    /// <summary>
    /// Which of two values a cross-check blames: the one the user wrote when the other is the
    /// embedded default's (the user changed one and must change the other too), else the second.
    /// </summary>
    private static (YamlNode Node, string Key) Blame(YamlNode first, string firstKey, YamlNode second, string secondKey) =>
        !first.Source.IsDefault && second.Source.IsDefault ? (first, firstKey) : (second, secondKey);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string UnknownKey(string key, string[] keys)
    {
        var closest = keys.MinBy(k => EditDistance(k, key));
        var hint = closest is not null && EditDistance(closest, key) <= Math.Max(2, key.Length / 3) ? $" (did you mean '{closest}'?)" : "";
        return $"unknown key '{Truncate(key)}'{hint}; expected one of: {string.Join(", ", keys)}";
    }

    private static string Truncate(string key) => key.Length <= 40 ? key : key[..37] + "...";

    private static int EditDistance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
            return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
