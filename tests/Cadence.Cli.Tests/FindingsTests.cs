using System.Text.Json;

namespace Cadence.Cli.Tests;

/// <summary>End-to-end: `cadence hunt` with Cadence's analytics (the default), and `cadence evaluate`.</summary>
public sealed class FindingsTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("cadence-findings-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Sample() => Path.Combine(RepositoryRoot(), "samples", "defender", "DeviceNetworkEvents.csv");

    [Fact]
    public void Json_findings_carry_every_field_the_contract_names()
    {
        var run = CliRun.Invoke("hunt", Sample(), "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        var beacon = json.RootElement.EnumerateArray().Single(f => f.GetProperty("process").GetString() == "rundll32.exe" && f.GetProperty("analytic").GetString() == "beacon");
        foreach (var field in new[]
        {
            "device", "process", "destination", "remoteIPs", "remotePorts", "analytic", "score", "severity", "connectionCount",
            "firstSeen", "lastSeen", "periodSeconds", "jitter", "bytesSent", "bytesReceived", "prevalence", "subScores", "reasons",
        })
            Assert.True(beacon.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal("beacon", beacon.GetProperty("analytic").GetString());
        Assert.Equal(JsonValueKind.Null, beacon.GetProperty("bytesSent").ValueKind);
        Assert.Equal("185.220.101.47", beacon.GetProperty("remoteIPs")[0].GetString());
        Assert.Equal(JsonValueKind.Null, beacon.GetProperty("subScores").GetProperty("dataSize").ValueKind);
        Assert.Contains(beacon.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("period 60 s", StringComparison.Ordinal));
    }

    [Fact]
    public void Ndjson_has_one_finding_per_line_and_min_severity_filters()
    {
        var all = CliRun.Invoke("hunt", Sample(), "--format", "ndjson", "--min-severity", "info");
        var high = CliRun.Invoke("hunt", Sample(), "--format", "ndjson", "--min-severity", "high");

        var allLines = all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var highLines = high.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(allLines.Length > highLines.Length);
        Assert.All(highLines, l => Assert.Contains(JsonDocument.Parse(l).RootElement.GetProperty("severity").GetString(), new[] { "high", "critical" }));
    }

    [Fact]
    public void Suppressed_findings_are_counted_and_listed_on_request_with_their_entry()
    {
        var hidden = CliRun.Invoke("hunt", Sample(), "--format", "csv");
        var shown = CliRun.Invoke("hunt", Sample(), "--format", "csv", "--show-suppressed");

        Assert.DoesNotContain("OneDrive.exe", hidden.Out, StringComparison.Ordinal);
        Assert.Contains("suppressed by the allowlist (1 by onedrive-sync)", hidden.Error, StringComparison.Ordinal);
        var row = Assert.Single(shown.Out.Split('\n'), l => l.Contains("OneDrive.exe", StringComparison.Ordinal));
        Assert.EndsWith("onedrive-sync", row.TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public void Table_groups_by_severity_strongest_first()
    {
        var run = CliRun.Invoke("hunt", Sample(), "--min-severity", "info");

        var critical = run.Out.IndexOf("CRITICAL", StringComparison.Ordinal);
        var high = run.Out.IndexOf("HIGH", StringComparison.Ordinal);
        Assert.True(critical >= 0 || high >= 0, run.Out);
        if (critical >= 0 && high >= 0)
            Assert.True(critical < high);
        Assert.DoesNotContain("\u001b[", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_tuning_file_is_a_usage_error_listing_every_problem()
    {
        var config = Path.Combine(_temp, "bad.yaml");
        File.WriteAllText(config, "severity:\n  low: high\nbeacon:\n  min_conections: 3\n");

        var run = CliRun.Invoke("hunt", Sample(), "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("bad.yaml:2:", run.Error, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:4:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_compares_the_seed_rule_rita_and_cadence_on_a_simulated_fleet()
    {
        var fleet = Path.Combine(_temp, "fleet");
        Assert.Equal(0, CliRun.Invoke("simulate", "--devices", "20", "--days", "1", "--seed", "3", "--format", "defender", "--out", fleet).ExitCode);

        var run = CliRun.Invoke("evaluate", "--labels", Path.Combine(fleet, "labels.csv"), Path.Combine(fleet, "DeviceNetworkEvents.csv"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("| implant profile | meant for | seed | rita | cadence |", run.Out, StringComparison.Ordinal);
        Assert.Contains("| cobaltstrike-60s-j50 | beacon |", run.Out, StringComparison.Ordinal);
        Assert.Contains("| **per 1,000 channels** |", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_adds_a_table_of_every_alert_line_whose_rows_at_alert_at_are_the_main_tables_totals()
    {
        var fleet = Path.Combine(_temp, "fleet");
        Assert.Equal(0, CliRun.Invoke("simulate", "--devices", "20", "--days", "1", "--seed", "3", "--format", "defender", "--out", fleet).ExitCode);

        var run = CliRun.Invoke("evaluate", "--alert-at", "high", "--labels", Path.Combine(fleet, "labels.csv"), fleet);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n');
        static string[] Cells(string row) => [.. row.Trim('|').Split('|').Select(c => c.Trim().Trim('*'))];
        var header = Array.IndexOf(lines, "| alert at | detector | implants found | false alerts | per 1,000 channels |");
        Assert.True(header > 0, run.Out);
        Assert.Equal("|---|---|---:|---:|---:|", lines[header + 1]);
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).Select(Cells).ToList();
        Assert.Equal(
            from line in new[] { "low", "medium", "high", "critical" } from detector in new[] { "seed", "rita", "cadence" } select (line, detector),
            rows.Select(r => (r[0], r[1])));
        Assert.All(rows, r => Assert.Matches(@"^\d+/\d+ \(\d+%\)$", r[2]));

        // The main table's totals, column by column, are the rows at --alert-at.
        var columns = Cells(lines.Single(l => l.StartsWith("| implant profile |", StringComparison.Ordinal)));
        var totals = new[] { "recall", "false alerts", "per 1,000 channels" }
            .Select(name => Cells(lines.Single(l => l.StartsWith($"| **{name}** |", StringComparison.Ordinal)))).ToList();
        foreach (var detector in new[] { "seed", "rita", "cadence" })
        {
            var column = Array.IndexOf(columns, detector);
            var row = rows.Single(r => r[0] == "high" && r[1] == detector);
            Assert.Equal(totals.Select(t => t[column]), row[2..]);
        }
        // The seed rule alerts on every row it returns, whatever the line.
        Assert.Single(rows.Where(r => r[1] == "seed").Select(r => string.Join('|', r[2..])).Distinct());
    }

    [Fact]
    public void A_directory_walk_sets_aside_files_it_cannot_read_and_says_so()
    {
        File.Copy(Sample(), Path.Combine(_temp, "DeviceNetworkEvents.csv"));
        File.WriteAllText(Path.Combine(_temp, "README.txt"), "notes about this export\n");

        var run = CliRun.Invoke("hunt", _temp, "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("README.txt: not a format Cadence reads; set aside", run.Error, StringComparison.Ordinal);
        Assert.Contains("rundll32.exe", run.Out, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cadence.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cadence.slnx not found above the test output");
    }
}
