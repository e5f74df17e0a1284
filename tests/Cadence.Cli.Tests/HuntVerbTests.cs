using System.IO.Compression;
using System.Text.Json;

namespace Cadence.Cli.Tests;

/// <summary>End-to-end: the CLI on files in TestData, against expected output worked out by hand (see the comments in each).</summary>
public sealed class HuntVerbTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("cadence-cli-").FullName;

    private static string Expected(string name) => File.ReadAllText(CliRun.TestData(name)).ReplaceLineEndings("\n");

    [Fact]
    public void SeedRuleCsvMatchesTheHandCheckedResult()
    {
        // seed-basic.csv: ws-a beacons 17 times every 60 s (plus one event two days before the
        // window and three with RemoteIPType "public", both filtered); ws-b makes 16 connections
        // whose first is at :00.9 and last at 10:02:30.1, so datetime_diff counts 150 boundaries
        // and AvgInterval = 150 / 15 = 10; ws-c makes only 15; ws-e's process name is a formula.
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Expected("seed-basic.expected.csv"), run.Out);
    }

    [Fact]
    public void ByteColumnsAreSummedWhenTheExportHasThem()
    {
        // srv-1: 16 x (100 sent, 400 received) -> 1600 / 6400 = 0.25. srv-2: received is null or
        // 0, summing to 0, so the ratio is the rule's 999.
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-bytes.csv"), "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Expected("seed-bytes.expected.csv"), run.Out);
        Assert.DoesNotContain("no SentBytes/ReceivedBytes", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSummaryAccountsForEveryRowAndSaysOnceThatBytesAreMissing()
    {
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", "csv");
        Assert.Contains("as-of 2024-05-01T10:35:00.0000000Z (latest event read), window 24h", run.Error, StringComparison.Ordinal);
        Assert.Contains("72 events read, 1 rows skipped, 1 rows rejected", run.Error, StringComparison.Ordinal);
        Assert.Contains("skipped 1: row of another table", run.Error, StringComparison.Ordinal);
        Assert.Contains("seed-basic.csv:75: unparsable port: RemotePort 'https'", run.Error, StringComparison.Ordinal);
        Assert.Contains("3 RemoteIPType not Public", run.Error, StringComparison.Ordinal);
        Assert.Contains("1 outside the window", run.Error, StringComparison.Ordinal);
        Assert.Contains("3 rows out", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n'), l => l.Contains("no SentBytes/ReceivedBytes", StringComparison.Ordinal));
    }

    [Fact]
    public void AsOfAndWindowMoveTheWindow()
    {
        // Ending at 10:10 keeps ws-a's connections from 10:00:00.5 to 10:09:00.5 (10, too few;
        // the one at 10:10:00.5 is after as-of) and ws-e's from 09:00 to 10:10 (15, too few:
        // the rule wants more than 15). ws-b is all in.
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", "csv", "--as-of", "2024-05-01T10:10:00Z");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            "LastSeen,DeviceName,InitiatingProcessFileName,RemoteIP,RemotePort,ConnectionCount,AvgInterval,BytesSent,BytesReceived,SentRecvRatio,BeaconConfidence\n" +
            "2024-05-01T10:02:30.1000000Z,ws-b,updater.exe,198.51.100.20,80,16,10,,,,medium\n",
            run.Out);
        Assert.DoesNotContain("latest event read", run.Error, StringComparison.Ordinal);

        // A three-day window takes in ws-a's stray connection of 29 April: 18 connections over two days.
        var wide = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", "csv", "--window", "3d");
        Assert.DoesNotContain("ws-a,", wide.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("ndjson")]
    public void JsonFormatsCarryTheSameRows(string format)
    {
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", format);
        Assert.Equal(0, run.ExitCode);
        var rows = format == "json"
            ? JsonDocument.Parse(run.Out).RootElement.EnumerateArray().ToList()
            : run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("=cmd|' /C calc'!A0", rows[0].GetProperty("InitiatingProcessFileName").GetString());
        Assert.Equal(20, rows[0].GetProperty("ConnectionCount").GetInt64());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("BytesSent").ValueKind);
        Assert.Equal("2024-05-01T09:00:00.0000000Z", rows[0].GetProperty("FirstSeen").GetString());
        Assert.Equal(1, rows[0].GetProperty("UniqueURLs").GetInt32());
        Assert.Equal("medium", rows[2].GetProperty("BeaconConfidence").GetString());
    }

    [Fact]
    public void TableShowsAttackerTextLiterallyAndWithoutColour()
    {
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("=cmd|' /C calc'!A0", run.Out, StringComparison.Ordinal);
        Assert.Contains("BeaconConfidence", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputFileReceivesTheResults()
    {
        var path = Path.Combine(_temp, "out.csv");
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--format", "csv", "--output", path);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal(Expected("seed-basic.expected.csv"), File.ReadAllText(path));
    }

    [Fact]
    public void StrictStopsAtTheFirstMalformedRow()
    {
        var run = CliRun.Invoke("hunt", "--rule", "seed", CliRun.TestData("seed-basic.csv"), "--strict", "--format", "csv");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("seed-basic.csv:75: unparsable port", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFormatIsARuntimeErrorNamingTheFileAndTheFormats()
    {
        var path = Path.Combine(_temp, "notes.txt");
        File.WriteAllText(path, "just some notes\n");
        var run = CliRun.Invoke("hunt", "--rule", "seed", path);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{path}: not a format Cadence reads", run.Error, StringComparison.Ordinal);
        Assert.Contains("Defender DeviceNetworkEvents CSV", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptGzipIsARuntimeErrorNamingTheFile()
    {
        var path = Path.Combine(_temp, "broken.csv.gz");
        using (var file = File.Create(path))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            zip.Write(File.ReadAllBytes(CliRun.TestData("seed-basic.csv")));
        var bytes = File.ReadAllBytes(path);
        for (var i = 20; i < bytes.Length - 8; i++)
            bytes[i] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedGzipIsReportedNotPassedOffAsComplete()
    {
        var path = Path.Combine(_temp, "cut.csv.gz");
        using (var file = File.Create(path))
        using (var zip = new GZipStream(file, CompressionLevel.NoCompression))
            zip.Write(File.ReadAllBytes(CliRun.TestData("seed-basic.csv")));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Contains($"cadence: warning: {path}: the gzip data ends after", run.Error, StringComparison.Ordinal);
        Assert.Contains("looks truncated", run.Error, StringComparison.Ordinal);

        var intact = Path.Combine(_temp, "whole.csv.gz");
        using (var file = File.Create(intact))
        using (var zip = new GZipStream(file, CompressionLevel.Optimal))
            zip.Write(File.ReadAllBytes(CliRun.TestData("seed-basic.csv")));
        var whole = CliRun.Invoke("hunt", "--rule", "seed", intact, "--format", "csv");
        Assert.DoesNotContain("warning", whole.Error, StringComparison.Ordinal);
        Assert.Equal(Expected("seed-basic.expected.csv"), whole.Out);
    }

    [Theory]
    [InlineData("hunt")]
    [InlineData("hunt", "x.csv", "--format", "xml")]
    [InlineData("hunt", "x.csv", "--rule", "nope")]
    [InlineData("hunt", "x.csv", "--as-of", "yesterday")]
    [InlineData("hunt", "x.csv", "--window", "forever")]
    [InlineData("hunt", "x.csv", "--window", "99999999999d")]
    [InlineData("frobnicate")]
    public void UsageErrorsExitWithTwo(params string[] args)
    {
        var run = CliRun.Invoke(args);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("cadence: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInputLackingARuleFieldIsNamedWithWhatItLacks()
    {
        var path = Path.Combine(_temp, "no-iptype.csv");
        File.WriteAllText(path, "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,InitiatingProcessFileName\n2024-01-01T00:00:00Z,h,ConnectionSuccess,198.51.100.9,443,p.exe\n");
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"seed rule: {path} lacks RemoteIPType: none of its events can match", run.Error, StringComparison.Ordinal);
        Assert.Contains("1 RemoteIPType not Public", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ARowLongerThanTheParserTakesIsAnErrorNamingTheFileNotACrash()
    {
        // An unterminated quote in a large export swallows the rest of the file into one field.
        var path = Path.Combine(_temp, "unterminated.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine("Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteIPType,InitiatingProcessFileName");
            writer.WriteLine("2024-03-26T11:59:55Z,\"dev,ConnectionSuccess,1.2.3.4,443,Public,p.exe");
            var row = "2024-03-26T11:59:55Z,dev,ConnectionSuccess,1.2.3.4,443,Public,p.exe";
            for (var i = 0; i < 18_000_000 / row.Length; i++)
                writer.WriteLine(row);
        }
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"cadence: error: {path}: a row longer than", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1672843056.913    843 10.136.0.18 TCP_TUNNEL/200 20275 CONNECT c2.example:443 - HIER_DIRECT/203.0.113.9 -")]
    [InlineData("<134>Mar 26 09:39:50 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|rt=1711445990000 src=10.1.2.3 spt=50412 dst=8.8.8.8 dpt=443 act=allow")]
    public void ALineWithNoEndIsRejectedNotBufferedWhole(string firstLine)
    {
        var path = Path.Combine(_temp, "long.log");
        File.WriteAllText(path, firstLine + "\n" + new string('A', 3 << 20) + "\n" + firstLine + "\n");
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("long.log:2: line too long", run.Error, StringComparison.Ordinal);
        Assert.Contains("2 events read", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AttackerTextInSkipReasonsIsEscapedOnTheTerminal()
    {
        var path = Path.Combine(_temp, "zeek.json");
        File.WriteAllText(path,
            "{\"ts\":1672843056.913119,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"8.8.8.8\",\"id.resp_p\":443,\"conn_state\":\"SF\"}\n" +
            "{\"_path\":\"\\u001b]0;PWNED\\u0007\\u001b[2Jevil\",\"ts\":1672843057.1,\"uid\":\"C2\",\"id.orig_h\":\"10.0.0.1\"}\n");
        var run = CliRun.Invoke("hunt", "--rule", "seed", path, "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("\u001b", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", run.Error, StringComparison.Ordinal);
        Assert.Contains("\\u001b]0;PWNED", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFifoIsReadOnceNotWaitedOnForever()
    {
        var fifo = Path.Combine(_temp, "pipe.csv");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        var writer = Task.Run(() => File.WriteAllBytes(fifo, File.ReadAllBytes(CliRun.TestData("seed-basic.csv"))));
        var hunt = Task.Run(() => CliRun.Invoke("hunt", "--rule", "seed", fifo, "--format", "csv"));
        var finished = await Task.WhenAny(hunt, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == hunt, "cadence hung on a FIFO");
        await writer.WaitAsync(TimeSpan.FromSeconds(5));
        var run = await hunt;
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Expected("seed-basic.expected.csv"), run.Out);
    }

    [Fact]
    public void AnUnreadableLargeInputUnderTheProgressBarIsStillExitOneWithTheReason()
    {
        var path = Path.Combine(_temp, "noise.bin");
        var noise = new byte[33 << 20];
        new Random(5).NextBytes(noise);
        File.WriteAllBytes(path, noise);
        var error = new StringWriter();
        var context = new CliContext(new StringWriter(), error, errorIsTerminal: true, outputIsTerminal: false) { NoColor = true };
        var exit = Program.Run(["hunt", "--rule", "seed", path], context);
        Assert.Equal(1, exit);
        Assert.Contains($"cadence: error: {path}: not a format Cadence reads", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsARuntimeError()
    {
        var run = CliRun.Invoke("hunt", "--rule", "seed", Path.Combine(_temp, "absent.csv"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no such file or directory", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("hunt", "--help")]
    public void HelpShowsRealExamples(params string[] args)
    {
        var run = CliRun.Invoke(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Examples:", run.Out, StringComparison.Ordinal);
        Assert.Contains("cadence hunt samples/defender/DeviceNetworkEvents.csv", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardInputIsReadWithADash()
    {
        var run = CliRun.Spawn(CliRun.TestData("seed-basic.csv"), "hunt", "--rule", "seed", "-", "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Expected("seed-basic.expected.csv"), run.Out);
        Assert.Contains("-:75: unparsable port", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleShippedWithTheRepositoryFindsTheImplant()
    {
        var sample = Path.Combine(RepositoryRoot(), "samples", "defender", "DeviceNetworkEvents.csv");
        var run = CliRun.Invoke("hunt", "--rule", "seed", sample, "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("ws-fin-07.contoso.local,rundll32.exe,185.220.101.47,443,175,60,,,,high", run.Out, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cadence.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cadence.slnx not found above the test output");
    }

    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); } catch (IOException) { }
    }
}

public class SourcesVerbTests
{
    [Fact]
    public void ListsEveryFormatWithItsFields()
    {
        var run = CliRun.Invoke("sources");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Defender DeviceNetworkEvents CSV", run.Out, StringComparison.Ordinal);
        Assert.Contains("Zeek conn/http/ssl log (TSV)", run.Out, StringComparison.Ordinal);
        Assert.Contains("UserAgent", run.Out, StringComparison.Ordinal);
        Assert.Contains("Ja3s", run.Out, StringComparison.Ordinal);
    }
}
