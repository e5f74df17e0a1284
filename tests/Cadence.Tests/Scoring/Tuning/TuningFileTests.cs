using System.Collections;
using System.Reflection;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring.Tuning;

public sealed class TuningFileTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static IReadOnlyList<TuningError> Errors(string yaml, string name = "user.yaml") =>
        Assert.Throws<TuningException>(() => TuningFile.Parse(yaml, name)).Errors;

    // ---- The embedded default ----

    [Fact]
    public void TheEmbeddedDefaultValidatesAndHasTheDocumentedValues()
    {
        var tuning = TuningFile.Default;
        Assert.Equal(new SeverityThresholds(0.50, 0.65, 0.80, 0.90), tuning.Severity);
        Assert.Equal(6, tuning.Beacon.MinConnections);
        Assert.Equal(TimeSpan.FromSeconds(1), tuning.Beacon.DuplicateGap);
        Assert.Equal([80, 443, 8080, 8443], tuning.Beacon.WebPorts);
        Assert.Equal(86_400, tuning.Beacon.MaxConnectionsPerChannel);
        Assert.Equal(new PrevalenceTuning(10, 2, 0.02, 5, 0.05, 1, 3), tuning.Prevalence);
        Assert.Equal(
            [
                new LongConnectionTier(TimeSpan.FromHours(1), Severity.Low),
                new LongConnectionTier(TimeSpan.FromHours(4), Severity.Medium),
                new LongConnectionTier(TimeSpan.FromHours(8), Severity.High),
                new LongConnectionTier(TimeSpan.FromHours(12), Severity.Critical),
            ],
            tuning.LongConnections.Tiers);
        Assert.Empty(tuning.KnownBad.Domains);
        Assert.Empty(tuning.KnownBad.Ips);
    }

    [Fact]
    public void EverySectionOfTheDefaultIsPopulated()
    {
        var tuning = TuningFile.Default;
        Assert.Contains(tuning.SuspiciousProcesses.Entries, p => p.Name == "powershell.exe");
        foreach (var name in new[] { "pwsh", "pwsh.exe", "rundll32.exe", "regsvr32.exe", "mshta.exe", "wscript.exe", "cscript.exe", "certutil.exe", "bitsadmin.exe", "curl", "curl.exe", "wget", "python", "python.exe", "python3" })
            Assert.Contains(tuning.SuspiciousProcesses.Entries, p => p.Name == name);
        foreach (var fragment in new[] { "Net.WebClient", "Invoke-WebRequest", "DownloadString", "Start-BitsTransfer", "DownloadFile", "iwr " })
            Assert.Contains(tuning.SuspiciousCommandLines.Entries, c => c.Contains == fragment);
        foreach (var allowlistClass in Enum.GetValues<AllowlistClass>())
            Assert.Contains(tuning.Allowlist.Entries, e => e.Class == allowlistClass);
        Assert.All(tuning.SuspiciousProcesses.Entries, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
        Assert.All(tuning.SuspiciousCommandLines.Entries, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
        Assert.All(tuning.Allowlist.Entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
    }

    [Fact]
    public void EveryPropertyOfTheDefaultIsSetFromTheFile()
    {
        // No value has a default in code: a property the binder forgot would be null, empty or zero.
        // known_bad is the one section that is empty by design (Cadence ships no feed).
        var unset = new List<string>();
        Walk(TuningFile.Default, "TuningFile", unset);
        // known_bad.ja3_files is empty by design too, and a shipped fingerprint's JA3S is optional.
        unset.RemoveAll(p => p == "TuningFile.KnownBad.Ja3Files" || p == "TuningFile.KnownBad.UserAgents"
            || (p.StartsWith("TuningFile.KnownBad.Ja3.Entries[", StringComparison.Ordinal) && p.EndsWith("].Ja3s", StringComparison.Ordinal)));
        Assert.Equal(["TuningFile.KnownBad.Domains", "TuningFile.KnownBad.Ips"], unset);

        static void Walk(object value, string path, List<string> unset)
        {
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract")
                    continue;
                var child = property.GetValue(value);
                var childPath = $"{path}.{property.Name}";
                switch (child)
                {
                    case null:
                    case string { Length: 0 }:
                        unset.Add(childPath);
                        break;
                    case string:
                        break;
                    case IEnumerable items:
                        var index = 0;
                        foreach (var item in items)
                        {
                            if (item.GetType().Namespace == typeof(TuningFile).Namespace)
                                Walk(item, $"{childPath}[{index}]", unset);
                            index++;
                        }
                        if (index == 0)
                            unset.Add(childPath);
                        break;
                    case ValueType when child.Equals(Activator.CreateInstance(child.GetType())) && child is not Severity and not AllowlistClass:
                        unset.Add(childPath);
                        break;
                    case ValueType:
                        break;
                    default:
                        Walk(child, childPath, unset);
                        break;
                }
            }
        }
    }

    [Fact]
    public void EveryKeyOutsideAListIsCommentedInTheDefaultFile()
    {
        var errors = new TuningErrors();
        var tree = YamlTreeReader.Read(TuningFile.DefaultYaml, new YamlSource("default", IsDefault: true), errors, withComments: true)!;
        var comments = TuningYamlWriter.CollectComments(TuningFile.DefaultYaml, tree);
        var uncommented = new List<string>();
        Visit(tree, "");
        Assert.Empty(uncommented);

        void Visit(YamlNode node, string path)
        {
            if (node is not YamlMapping mapping)
                return;
            foreach (var (key, value) in mapping.Entries)
            {
                var keyPath = path.Length == 0 ? key.Value : $"{path}.{key.Value}";
                if (!comments.ContainsKey(keyPath))
                    uncommented.Add(keyPath);
                Visit(value, keyPath);
            }
        }
    }

    [Fact]
    public void AnEmptyOrCommentOnlyFileChangesNothing()
    {
        Assert.Equal(TuningFile.Default, TuningFile.Parse("", "empty.yaml"));
        Assert.Equal(TuningFile.Default, TuningFile.Parse("# nothing to change yet\n", "comments.yaml"));
    }

    // ---- Overrides ----

    [Fact]
    public void MappingsMergeKeyByKey()
    {
        var path = _files.Write("user.yaml", """
            severity:
              high: 0.85
            beacon:
              min_connections: 8
            """);
        var tuning = TuningFile.Load(path);
        Assert.Equal(new SeverityThresholds(0.50, 0.65, 0.85, 0.90), tuning.Severity);
        Assert.Equal(8, tuning.Beacon.MinConnections);
        Assert.Equal(TimeSpan.FromSeconds(1), tuning.Beacon.DuplicateGap);
        Assert.Equal(TuningFile.Default.Prevalence, tuning.Prevalence);
        Assert.Equal(TuningFile.Default.Allowlist, tuning.Allowlist);
    }

    [Fact]
    public void AListInTheUserFileReplacesTheDefaultList()
    {
        var tuning = TuningFile.Parse("""
            beacon:
              web_ports: [443]
            known_bad:
              domains: [evil.example]
            allowlist:
              - name: our-dashboard
                class: browser-refresh
                processes: [chrome.exe]
                domains: [grafana.corp.example]
                reason: "The NOC wall screen reloads every 30 s."
            """, "user.yaml");
        Assert.Equal([443], tuning.Beacon.WebPorts);
        Assert.Equal(["evil.example"], tuning.KnownBad.Domains);
        Assert.Empty(tuning.KnownBad.Ips);
        var entry = Assert.Single(tuning.Allowlist.Entries);
        Assert.Equal("our-dashboard", entry.Name);
        Assert.Null(tuning.Allowlist.Match("chrome.exe", "mail.google.com"));
        Assert.Same(entry, tuning.Allowlist.Match("chrome.exe", "grafana.corp.example"));
    }

    [Fact]
    public void AnEmptyListInTheUserFileEmptiesTheSection()
    {
        var tuning = TuningFile.Parse("allowlist: []\nlong_connections: []\n", "user.yaml");
        Assert.Empty(tuning.Allowlist.Entries);
        Assert.Null(tuning.LongConnections.Classify(TimeSpan.FromDays(1)));
    }

    // ---- Errors ----

    [Fact]
    public void EveryErrorIsReportedAtOnceWithItsLineColumnAndKeyPath()
    {
        var errors = Errors("""
            severity:
              low: high
            beacon:
              duplicate_gap: soon
              web_ports: [80, 70000]
            """);
        Assert.Equal(
            [
                "user.yaml:2:8: severity.low: expected a number from 0 to 1, got 'high'",
                "user.yaml:4:18: beacon.duplicate_gap: expected a duration such as 1s, 30m, 4h, 7d or 1d12h, got 'soon'",
                "user.yaml:5:19: beacon.web_ports[1]: 70000 is out of range: expected 1 to 65535",
            ],
            errors.Select(e => e.ToString()));
        Assert.Equal(new TuningError("user.yaml", 2, 8, "severity.low", "expected a number from 0 to 1, got 'high'"), errors[0]);
    }

    [Fact]
    public void UnknownKeysAreErrorsWithASuggestion()
    {
        var errors = Errors("""
            beacon:
              min_conections: 8
            sevirity:
              low: 0.4
            """);
        Assert.Equal(2, errors.Count);
        Assert.Equal("beacon.min_conections", errors[0].Path);
        Assert.Equal((2L, 3L), (errors[0].Line, errors[0].Column));
        Assert.StartsWith("unknown key 'min_conections' (did you mean 'min_connections'?)", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("sevirity", errors[1].Path);
        Assert.Contains("did you mean 'severity'?", errors[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("beacon:\n  min_connections: six\n", "beacon.min_connections", "expected a whole number from 3 to 1000000, got 'six'")]
    [InlineData("beacon:\n  min_connections: 6.5\n", "beacon.min_connections", "expected a whole number from 3 to 1000000, got '6.5'")]
    [InlineData("beacon:\n  min_connections: \"6\"\n", "beacon.min_connections", "expected a whole number from 3 to 1000000, got the quoted text '6'")]
    [InlineData("beacon:\n  min_connections: 2\n", "beacon.min_connections", "2 is out of range: expected 3 to 1000000 (3 connections are the fewest whose two intervals can show a period)")]
    [InlineData("beacon:\n  min_connections: [6]\n", "beacon.min_connections", "expected a whole number from 3 to 1000000, got a list")]
    [InlineData("beacon:\n  web_ports: 443\n", "beacon.web_ports", "expected a list, got '443'")]
    [InlineData("beacon:\n  web_ports:\n", "beacon.web_ports", "expected a list, got nothing (write [] for an empty list)")]
    [InlineData("beacon:\n  duplicate_gap: 2h\n", "beacon.duplicate_gap", "2h is too long: at most 1h (a longer gap would merge real check-ins of fast beacons)")]
    [InlineData("beacon: 5\n", "beacon", "expected a mapping (min_connections:, duplicate_gap:, web_ports:, max_connections_per_channel:), got '5'")]
    [InlineData("severity:\n  low: .nan\n", "severity.low", "expected a number from 0 to 1, got '.nan'")]
    [InlineData("severity:\n  low: NaN\n", "severity.low", "expected a number from 0 to 1, got 'NaN'")]
    [InlineData("severity:\n  critical: 1.5\n", "severity.critical", "1.5 is out of range: expected 0 to 1")]
    [InlineData("long_connections:\n  - { at_least: 1h, severity: severe }\n", "long_connections[0].severity", "expected one of info, low, medium, high, critical, got 'severe'")]
    [InlineData("known_bad:\n  ips: [10.0.0.1/8]\n", "known_bad.ips[0]", "'10.0.0.1/8' is not a CIDR range with its host bits zero (203.0.113.0/24)")]
    [InlineData("known_bad:\n  ips: [1.2.3]\n", "known_bad.ips[0]", "'1.2.3' is not an IP address (203.0.113.7, 2001:db8::7) or a CIDR range (203.0.113.0/24)")]
    [InlineData("known_bad:\n  domains: [\"*.evil.example\"]\n", "known_bad.domains[0]", "'*.evil.example': write 'evil.example'; a domain already covers every name under it")]
    [InlineData("known_bad:\n  domains: [https://evil.example/x]\n", "known_bad.domains[0]", "'https://evil.example/x' is a URL: write the host name only (example.com)")]
    [InlineData("suspicious_processes:\n  - { name: 'C:\\Windows\\mshta.exe', reason: r }\n", "suspicious_processes[0].name", "'C:\\Windows\\mshta.exe' is a path: write the file name only (chrome.exe); a path in telemetry is matched by its file name")]
    [InlineData("suspicious_command_lines:\n  - { contains: ab, reason: r }\n", "suspicious_command_lines[0].contains", "'ab' is too short: under 3 characters it would match ordinary command lines")]
    [InlineData("suspicious_processes:\n  - { name: a.exe }\n", "suspicious_processes[0].reason", "missing: this key is required")]
    public void WrongTypesAndValuesAreReportedAtTheirKey(string yaml, string path, string message)
    {
        var error = Assert.Single(Errors(yaml));
        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ThresholdsMustRise()
    {
        var error = Assert.Single(Errors("severity:\n  medium: 0.45\n"));
        Assert.Equal(("severity.medium", 2L), (error.Path, error.Line));
        Assert.Equal("severity.medium (0.45) must be greater than severity.low (0.5): thresholds rise from low to critical", error.Message);

        // The user changed low, not medium: the error points at the line the user wrote.
        error = Assert.Single(Errors("severity:\n  low: 0.7\n"));
        Assert.Equal(("user.yaml", "severity.low", 2L), (error.File, error.Path, error.Line));

        var errors = Errors("severity: { low: 0.9, medium: 0.8, high: 0.7, critical: 0.6 }\n");
        Assert.Equal(["severity.medium", "severity.high", "severity.critical"], errors.Select(e => e.Path));
    }

    [Fact]
    public void CrossChecksInOtherSections()
    {
        var errors = Errors("""
            beacon: { min_connections: 100, max_connections_per_channel: 50 }
            prevalence: { rare_max_devices: 5, rare_max_share: 0.2 }
            long_connections:
              - { at_least: 4h, severity: medium }
              - { at_least: 1h, severity: low }
            """);
        Assert.Equal(
            [
                "beacon.max_connections_per_channel",
                "prevalence.rare_max_devices",
                "prevalence.rare_max_share",
                "long_connections[1].at_least",
                "long_connections[1].severity",
            ],
            errors.Select(e => e.Path));
        Assert.Contains("a destination cannot be rare and common at once", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAllowlistEntryWithoutProcessesOrWithoutDomainsIsRejected()
    {
        var errors = Errors("""
            allowlist:
              - name: all-of-chrome
                class: browser-refresh
                processes: [chrome.exe]
                reason: "would hide a beacon injected into chrome"
              - name: all-of-google
                class: browser-refresh
                domains: [mail.google.com]
                reason: "would hide malware using the same service"
              - name: empty-lists
                class: browser-refresh
                processes: []
                domains: []
                reason: "keyed by nothing"
            """);
        Assert.Equal(
            ["allowlist[0].domains", "allowlist[1].processes", "allowlist[2].processes", "allowlist[2].domains"],
            errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.Contains("keyed by process AND domain", e.Message, StringComparison.Ordinal));
        Assert.Equal(2, errors[0].Line);
        Assert.Equal(12, errors[2].Line);
    }

    [Fact]
    public void AllowlistEntriesNeedUniqueNamesAKnownClassAndNarrowDomains()
    {
        var errors = Errors("""
            allowlist:
              - { name: a, class: browser-refresh, processes: [chrome.exe], domains: [com], reason: r }
              - { name: A, class: browser, processes: [chrome.exe], domains: [google.com.], reason: r }
              - { name: "", class: cloud-sync, processes: [" x.exe"], domains: [example.com], reason: " " }
            """);
        Assert.Equal(
            [
                "allowlist[0].domains[0]",
                "allowlist[1].name",
                "allowlist[1].class",
                "allowlist[2].name",
                "allowlist[2].processes[0]",
                "allowlist[2].reason",
            ],
            errors.Select(e => e.Path));
        Assert.Contains("would cover a whole top-level domain", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("names another entry too (line 2)", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("one of browser-refresh, long-polling, cloud-sync, software-update, monitoring-agent, health-probe", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeysAreErrors()
    {
        var error = Assert.Single(Errors("severity:\n  low: 0.4\n  low: 0.45\n"));
        Assert.Equal((3L, "duplicate key 'low' (first at line 2): the later one would silently win"), (error.Line, error.Message));
    }

    [Fact]
    public void SyntaxErrorsCarryTheirPosition()
    {
        var error = Assert.Single(Errors("severity:\n  low: 'unterminated\n"));
        Assert.Equal("user.yaml", error.File);
        Assert.True(error.Line >= 2);
        Assert.StartsWith("not valid YAML", error.Message, StringComparison.Ordinal);

        // YamlDotNet throws InvalidOperationException here rather than a YamlException.
        error = Assert.Single(Errors("beacon:\n  web_ports: [1, 2\nseverity: 3\n"));
        Assert.StartsWith("not valid YAML", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void TheTopLevelMustBeAMappingOfSections()
    {
        var error = Assert.Single(Errors("- severity\n"));
        Assert.Equal("expected a mapping of sections (severity:, beacon:, allowlist: ...), got a list", error.Message);
        error = Assert.Single(Errors("a: 1\n---\nb: 2\n"));
        Assert.Equal((2L, "only one YAML document is allowed (remove the second '---')"), (error.Line, error.Message));
    }

    [Fact]
    public void LoadNamesAFileItCannotRead()
    {
        var missing = Path.Combine(_files.Root, "missing.yaml");
        var error = Assert.Single(Assert.Throws<TuningException>(() => TuningFile.Load(missing)).Errors);
        Assert.Equal((missing, 0L), (error.File, error.Line));
        Assert.StartsWith("cannot read", error.Message, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Single(TuningFile.Validate(missing)));
    }

    [Fact]
    public void ValidateReturnsEveryErrorOrNone()
    {
        Assert.Empty(TuningFile.Validate(_files.Write("ok.yaml", "severity:\n  low: 0.55\n")));
        Assert.Equal(2, TuningFile.Validate(_files.Write("bad.yaml", "severity:\n  low: x\nbeacon:\n  nope: 1\n")).Count);
    }

    [Fact]
    public void AByteOrderMarkIsAccepted()
    {
        var path = _files.Write("bom.yaml", "severity:\n  low: 0.55\n", bom: true);
        Assert.Equal(0.55, TuningFile.Load(path).Severity.Low);
    }
}
