using Cadence.Scoring.Tuning;

namespace Cadence.Cli.Tests;

/// <summary>End-to-end: <c>cadence config validate</c> and <c>cadence config show</c> on files in TestData.</summary>
public sealed class ConfigVerbTests
{
    [Fact]
    public void ValidateReportsEveryMistakeAtOnceWithFileLineColumnAndKey()
    {
        var path = CliRun.TestData("tuning-three-mistakes.yaml");
        var run = CliRun.Invoke("config", "validate", path);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal(
            [
                $"{path}:4:3: beacon.min_conections: unknown key 'min_conections' (did you mean 'min_connections'?); expected one of: min_connections, duplicate_gap, web_ports, max_connections_per_channel",
                $"{path}:6:9: severity.high: expected a number from 0 to 1, got 'very'",
                $"{path}:8:5: allowlist[0].domains: missing: an allowlist entry is keyed by process AND domain: by domain alone it would hide malware using the same service, by process alone a beacon injected into that process",
                $"cadence: {path} is not a valid tuning file",
                "",
            ],
            run.Error.Split('\n'));
    }

    [Fact]
    public void ValidateReportsBadBrowserAndJa3KeysWithFileLineColumn()
    {
        var dir = Directory.CreateTempSubdirectory("cadence-config-").FullName;
        try
        {
            var path = Path.Combine(dir, "tuning.yaml");
            File.WriteAllText(path, "browsers:\n  processes: [chrome.exe, CHROME.EXE]\nja3:\n  randomizing_fingerprints: 1\n");
            var run = CliRun.Invoke("config", "validate", path);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal(
                [
                    $"{path}:2:27: browsers.processes[1]: 'CHROME.EXE' is listed twice (first at line 2)",
                    $"{path}:4:29: ja3.randomizing_fingerprints: 1 is out of range: expected 2 to 1000 (with 1, every client that shows a JA3 at all would count as randomizing, and JA3 rarity would never be used)",
                    $"cadence: {path} is not a valid tuning file",
                    "",
                ],
                run.Error.Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ValidateSaysAValidFileIsValid()
    {
        var path = CliRun.TestData("tuning-override.yaml");
        var run = CliRun.Invoke("config", "validate", path);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{path}: valid\n", run.Out);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public void ValidateOfAMissingFileIsAConfigurationError()
    {
        var run = CliRun.Invoke("config", "validate", "no-such-tuning.yaml");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("no-such-tuning.yaml: cannot read:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateWithoutAFileIsAUsageError() =>
        Assert.Equal(2, CliRun.Invoke("config", "validate").ExitCode);

    [Fact]
    public void ShowPrintsTheDefaultAsCommentedYamlThatValidates()
    {
        var run = CliRun.Invoke("config", "show");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("# Effective configuration: the embedded default.\n# Cadence tuning file:", run.Out, StringComparison.Ordinal);
        Assert.Contains("  # Cobalt Strike at its maximum jitter (50 %)", run.Out, StringComparison.Ordinal);
        Assert.Equal(TuningFile.Default, TuningFile.Parse(run.Out, "shown.yaml"));
    }

    [Fact]
    public void ShowWithConfigPrintsTheMergedConfiguration()
    {
        var path = CliRun.TestData("tuning-override.yaml");
        var run = CliRun.Invoke("config", "show", "--config", path);
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"# Effective configuration: the embedded default overridden by {path}.\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("\n  high: 0.85\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("\n  medium: 0.65\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("- { name: msbuild.exe, reason: \"Builds and runs inline C# tasks (T1127.001).\" }", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("powershell.exe", run.Out.Split("suspicious_command_lines:")[0].Split("suspicious_processes:")[1], StringComparison.Ordinal);
        Assert.Equal(TuningFile.Load(path), TuningFile.Parse(run.Out, "shown.yaml"));
    }

    [Fact]
    public void ShowWithAnInvalidConfigReportsItsErrors()
    {
        var path = CliRun.TestData("tuning-three-mistakes.yaml");
        var run = CliRun.Invoke("config", "show", "--config", path);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal(4, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
