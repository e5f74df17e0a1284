namespace Cadence.Cli.Tests;

/// <summary>End-to-end: <c>cadence simulate</c> writes a fleet that <c>cadence hunt</c> reads, and refuses bad arguments with exit 2.</summary>
public sealed class SimulateVerbTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("cadence-cli-sim-").FullName;

    [Fact]
    public void SimulatedDefenderFleetIsHuntedAndTheSeedRuleFindsTheFastBeacons()
    {
        var folder = Path.Combine(_temp, "fleet");
        var run = CliRun.Invoke("simulate", "--devices", "20", "--days", "1", "--seed", "3", "--format", "defender", "--out", folder);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Out);
        Assert.Contains("simulated 20 devices x 1 day(s) from 2026-11-30T00:00:00Z, seed 3, format defender:", run.Error, StringComparison.Ordinal);
        Assert.Contains("DeviceNetworkEvents.csv: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("labels: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("15 of them implants", run.Error, StringComparison.Ordinal);
        Assert.Equal(["DeviceNetworkEvents.csv", "labels.csv"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());

        var hunt = CliRun.Invoke("hunt", "--rule", "seed", Path.Combine(folder, "DeviceNetworkEvents.csv"), "--format", "csv");
        Assert.Equal(0, hunt.ExitCode);
        Assert.Contains(" 0 rows rejected", hunt.Error, StringComparison.Ordinal);
        var rows = hunt.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Covenant and Empire check in every 5 s all day: the rule's largest groups, high confidence.
        Assert.Contains(rows, r => r.Contains(",GruntHTTP.exe,", StringComparison.Ordinal) && r.EndsWith(",high", StringComparison.Ordinal));

        var labels = File.ReadAllLines(Path.Combine(folder, "labels.csv"));
        var covenant = labels.Single(l => l.Contains(",covenant-5s-j10,", StringComparison.Ordinal)).Split(',');
        Assert.Contains(rows, r => r.Contains($",{covenant[0]},{covenant[1]},", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--devices 0", "--devices must be between 1 and 50,000 (got 0)")]
    [InlineData("--days 31", "--days must be between 1 and 30 (got 31)")]
    [InlineData("--days 0", "--days must be between 1 and 30 (got 0)")]
    [InlineData("--start yesterday", "--start 'yesterday' is not an ISO 8601 time")]
    [InlineData("--format splunk", "splunk")]
    public void BadArgumentsAreUsageErrors(string arguments, string message)
    {
        var args = new[] { "simulate", "--out", Path.Combine(_temp, "never") }.Concat(arguments.Split(' ')).ToArray();
        var run = CliRun.Invoke(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_temp, "never")));
    }

    [Fact]
    public void AnOutputPathThatIsAFileIsAUsageError()
    {
        var file = Path.Combine(_temp, "taken");
        File.WriteAllText(file, "x");
        var run = CliRun.Invoke("simulate", "--out", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--out '{file}' is a file, not a directory", run.Error, StringComparison.Ordinal);

        var missing = CliRun.Invoke("simulate", "--devices", "3");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--out", missing.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); } catch (IOException) { }
    }
}
