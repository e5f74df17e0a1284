using System.Globalization;
using System.Text;
using Cadence.Sources;
using Cadence.Sources.Zeek;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class ZeekLogFormatTests : IDisposable
{
    private readonly TempFiles _files = new();

    private const string ConnHeader = ZeekSamples.ConnHeader;
    private const string ConnLine = ZeekSamples.ConnLine;
    private const string HttpHeader = ZeekSamples.HttpHeader;
    private const string HttpLine = ZeekSamples.HttpLine;

    private static (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths) => ZeekSamples.Read(paths);

    [Fact]
    public void ConnRecordBecomesAnEventAndTakesItsHttpRequest()
    {
        // http.log is named after conn.log and given second: it is still read first, so the link holds.
        var conn = _files.Write("conn.log", ConnHeader + ConnLine + "\n#close\t2023-01-05-18-51-07\n");
        var http = _files.Write("http.log", HttpHeader + HttpLine + "\n");
        var (events, log) = Read(conn, http);

        var e = Assert.Single(events);
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843056_9131190L, e.TimestampTicks);
        Assert.Equal("10.136.0.18", e.DeviceName);
        Assert.Equal("10.136.0.18", e.LocalIP);
        Assert.Equal(55548, e.LocalPort);
        Assert.Equal("10.136.0.16", e.RemoteIP);
        Assert.Equal(3128, e.RemotePort);
        Assert.Equal("Private", e.RemoteIPType);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("SF", e.ConnectionState);
        Assert.Equal("tcp", e.Protocol);
        Assert.Equal(840_440, e.DurationTicks);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal("www.google.com", e.DestinationHost);
        Assert.Equal("www.google.com:443", e.RemoteUrl);
        Assert.Equal("CONNECT", e.HttpMethod);
        Assert.Equal("Modzilla/-2.0 (Atari 7800)", e.UserAgent);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(9, e.Provenance.Line);
        Assert.Equal(1, log.EventsRead);
    }

    [Fact]
    public void HttpWithoutItsConnStandsAlone()
    {
        var (events, log) = Read(_files.Write("http.log", HttpHeader + HttpLine + "\n"));
        var e = Assert.Single(events);
        Assert.Equal("HttpConnectionInspected", e.ActionType);
        Assert.Equal("www.google.com", e.DestinationHost);
        Assert.Null(e.SentBytes);
        Assert.Equal(1, log.EventsRead);
    }

    [Theory]
    [InlineData("SF", "ConnectionSuccess")]
    [InlineData("RSTO", "ConnectionSuccess")]
    [InlineData("S1", "ConnectionSuccess")]
    [InlineData("S0", "ConnectionFailed")]
    [InlineData("REJ", "ConnectionFailed")]
    [InlineData("OTH", "ConnectionFound")]
    [InlineData(null, "ConnectionFound")]
    public void ConnectionStatesMapToDefendersWords(string? state, string expected) =>
        Assert.Equal(expected, Cadence.Sources.Zeek.ZeekLogFormat.ActionTypeOf(state));

    [Fact]
    public void UnsetEmptyAndEscapedValuesAndRotatedGzipNames()
    {
        var lines = ConnHeader
            + "1672843100.5\tC1\t10.0.0.1\t5000\t8.8.8.8\t443\ttcp\t-\t-\t-\t-\tS0\tT\tF\t0\tS\t1\t60\t0\t0\t-\n"
            + "1672843101\tC2\t10.0.0.1\t5001\t2001:db8::1\t80\ttcp\t(empty)\t1.5\t0\t0\tSF\tT\tF\t0\tS\t1\t60\t0\t0\t-\n";
        var path = _files.Write("2023-01-05/conn.15:00:00-16:00:00.log.gz", lines, gzip: true);
        var (events, log) = Read(Path.Combine(_files.Root, "2023-01-05"));
        Assert.Equal(2, events.Count);
        Assert.Null(events[0].SentBytes);
        Assert.Null(events[0].DurationTicks);
        Assert.Equal("ConnectionFailed", events[0].ActionType);
        Assert.Equal("Public", events[0].RemoteIPType);
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843101L * TimeSpan.TicksPerSecond, events[1].TimestampTicks);
        Assert.Equal(15_000_000, events[1].DurationTicks);
        Assert.Equal("Documentation", events[1].RemoteIPType);
        Assert.Equal("Zeek conn log (TSV)", log.Inputs[0].Format);
        Assert.Equal(path, log.Inputs[0].Input.DisplayName);
    }

    [Fact]
    public void EscapedSeparatorsInsideValuesAreDecoded()
    {
        var line = HttpLine.Replace("Modzilla/-2.0 (Atari 7800)", "evil\\x09agent\\x1b[31m", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("http.log", HttpHeader + line + "\n"));
        Assert.Equal("evil\tagent\u001b[31m", Assert.Single(events).UserAgent);
    }

    [Fact]
    public void MalformedLinesAreCountedWithTheirLinesAndATruncatedLastLineToo()
    {
        var lines = ConnHeader                                                                                    // lines 1-8
            + ConnLine + "\n"                                                                                     // 9 ok
            + ConnLine.Replace("1672843056.913119", "yesterday", StringComparison.Ordinal) + "\n"               // 10 ts
            + ConnLine.Replace("\t3128\t", "\thttps\t", StringComparison.Ordinal) + "\n"                         // 11 port
            + ConnLine.Replace("\t1030\t", "\tmany\t", StringComparison.Ordinal) + "\n"                          // 12 bytes
            + ConnLine.Replace("\t0.084044\t", "\tlong\t", StringComparison.Ordinal) + "\n"                      // 13 duration
            + ConnLine[..40] + "\n"                                                                               // 14 truncated mid-record
            + "\n"                                                                                                // 15 blank
            + ConnLine[..60];                                                                                     // 16 truncated last line
        var (events, log) = Read(_files.Write("conn.log", lines));
        Assert.Single(events);
        var input = log.Inputs[0];
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadByteCount]);
        Assert.Equal(1, input.RejectedByReason["unparsable duration"]);
        Assert.Equal(2, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Equal([10L, 11L, 12L, 13L, 14L, 16L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        // A blank line is no record: booked as skipped, with its line, as the Defender readers do.
        var blank = Assert.Single(log.Examples, p => p.Disposition == RowDisposition.Skipped);
        Assert.Equal((15L, RowReasons.BlankLine), (blank.Line, blank.Reason));
    }

    [Fact]
    public void ASecondHeaderBlockRedefinesTheFields()
    {
        var second = "#separator \\x09\n#path\tconn\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tconn_state\n"
            + "1672843200\t10.0.0.2\t1234\t1.1.1.1\t443\tSF\n";
        var (events, log) = Read(_files.Write("conn.log", ConnHeader + ConnLine + "\n#close\tx\n" + second));
        Assert.Equal(2, events.Count);
        Assert.Equal("1.1.1.1", events[1].RemoteIP);
        Assert.Null(events[1].SentBytes);
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void OtherZeekLogsAreSkippedAndCounted()
    {
        var dns = "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n1672843056.1\tCa\texample.com\n1672843057.1\tCb\texample.org\n";
        var (events, log) = Read(_files.Write("dns.log", dns));
        Assert.Empty(events);
        Assert.Equal(2, log.RowsSkipped);
    }

    [Fact]
    public void RangesReadOnSeveralThreadsGiveWhatOneThreadReads()
    {
        // Above the 4 MiB below which a file is not split: rotations concatenated, the second
        // with its fields in another order and its own unset marker, a dns block between them,
        // malformed and blank lines scattered through, and no newline at the very end.
        var text = new StringBuilder(ConnHeader);
        var second = "#separator \\x09\n#unset_field\tNA\n#path\tconn\n#fields\tuid\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tconn_state\torig_bytes\tresp_bytes\tduration\tproto\n";
        var line = 8;
        var record = 0;
        while (text.Length < 7 << 20)
        {
            record++;
            var ts = (1672843056 + record).ToString(CultureInfo.InvariantCulture) + ".25";
            var uid = "C" + record.ToString(CultureInfo.InvariantCulture);
            if (record == 20_000)
            {
                text.Append("#close\tx\n#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n").Append(ts).Append("\tCd\texample.com\n").Append(second);
                line += 9;
            }
            var fields = record > 20_000
                ? $"{uid}\t{ts}\t10.0.{record % 7}.1\t{40000 + record % 1000}\t93.184.{record % 250}.34\t443\t{(record % 5 == 0 ? "S0" : "SF")}\t{(record % 3 == 0 ? "NA" : "310")}\t1200\t0.25\ttcp"
                : ConnLine.Replace("1672843056.913119", ts, StringComparison.Ordinal).Replace("CXHB1X22027MRWU6D", uid, StringComparison.Ordinal);
            text.Append(record % 10_007 == 0 ? fields[..30] : record % 9_973 == 0 ? "" : record % 7_919 == 0 ? fields.Replace("\t443\t", "\thttps\t", StringComparison.Ordinal) : fields);
            text.Append('\n');
            line++;
        }
        text.Append(ConnLine[..50]);
        var path = _files.Write("conn.log", text.ToString());

        var (one, oneLog) = ZeekSamples.ReadInto(1, path);
        var (four, fourLog) = ZeekSamples.ReadInto(4, path);

        Assert.Equal(one.Count, four.Count);
        var byLine = four.ToDictionary(e => e.Provenance.Line);
        foreach (var e in one)
            ZeekSamples.AssertSameEvent(e, byLine[e.Provenance.Line]);
        // Line numbers are the file's own, not the range's: the first record follows the 8 header lines.
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843057_2500000L, byLine[9].TimestampTicks);
        Assert.Equal(oneLog.EventsRead, fourLog.EventsRead);
        Assert.Equal(oneLog.RowsRejected, fourLog.RowsRejected);
        Assert.Equal(oneLog.RowsSkipped, fourLog.RowsSkipped);
        Assert.Equal(oneLog.Examples.Select(p => p.ToString()), fourLog.Examples.Select(p => p.ToString()));
        Assert.Equal(oneLog.LatestEventTicks, fourLog.LatestEventTicks);
        Assert.Equal(oneLog.Inputs[0].Format, fourLog.Inputs[0].Format);
        Assert.Equal(oneLog.Inputs[0].Provides, fourLog.Inputs[0].Provides);
        // The second block's own unset marker is honoured on every thread.
        Assert.Contains(four, e => e.Provenance.Line > 20_000 + 17 && e.SentBytes is null);
        Assert.Equal(1, fourLog.RowsSkipped - fourLog.Inputs[0].SkippedByReason.GetValueOrDefault(RowReasons.BlankLine));
        Assert.True(fourLog.RowsRejected >= 2);
    }

    [Fact]
    public void LinksHoldOnSeveralThreadsAsOnOne()
    {
        // Big enough to be read in ranges: http records first, then the conn records that claim them.
        var http = new StringBuilder(HttpHeader);
        var conn = new StringBuilder(ConnHeader);
        var records = 0;
        while (conn.Length < 5 << 20)
        {
            records++;
            var uid = "C" + records.ToString(CultureInfo.InvariantCulture);
            var host = $"host{records % 97}.example.com";
            http.Append(HttpLine.Replace("CXHB1X22027MRWU6D", uid, StringComparison.Ordinal).Replace("www.google.com", host, StringComparison.Ordinal)).Append('\n');
            // Every tenth connection made a second request: the first one (trans_depth 1) is the one kept.
            if (records % 10 == 0)
                http.Append(HttpLine.Replace("CXHB1X22027MRWU6D", uid, StringComparison.Ordinal).Replace("CONNECT", "GET", StringComparison.Ordinal)).Append('\n');
            conn.Append(ConnLine.Replace("CXHB1X22027MRWU6D", uid, StringComparison.Ordinal)).Append('\n');
        }
        var httpPath = _files.Write("http.log", http.ToString());
        var connPath = _files.Write("conn.log", conn.ToString());

        var (one, _) = ZeekSamples.ReadInto(1, connPath, httpPath);
        var (four, log) = ZeekSamples.ReadInto(4, connPath, httpPath);

        Assert.Equal(records, four.Count);
        Assert.All(four, e => Assert.Equal("CONNECT", e.HttpMethod));
        Assert.All(four, e => Assert.StartsWith("host", e.DestinationHost, StringComparison.Ordinal));
        var byLine = one.ToDictionary(e => e.Provenance.Line);
        foreach (var e in four)
            ZeekSamples.AssertSameEvent(byLine[e.Provenance.Line], e);
        Assert.Equal(records, log.EventsRead);
    }

    [Fact]
    public void LinksAreSafeUnderContentionAndKeepTheFirstRecordOfAConnection()
    {
        var links = new ZeekLinks();
        var input = new InputFile("http.log");
        const int Uids = 20_000;
        // Four threads add every uid, each from its own line: the earliest line must win.
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < Uids; i++)
            {
                var line = 10 + (((thread + i) % 4) * 100_000L) + i;
                links.AddHttp($"C{i}", new ZeekHttp(0, "10.0.0.1", 1, "10.0.0.2", 80, "GET", "h", "/", null, null, new Provenance(input, line)));
            }
        });
        var claimed = new int[4];
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < Uids; i++)
            {
                if (links.Claim($"C{i}").Http is { } http)
                {
                    Interlocked.Increment(ref claimed[thread]);
                    Assert.Equal(10 + i, http.Provenance.Line);
                }
            }
        });
        Assert.Equal(Uids, claimed.Sum());
        Assert.True(links.IsEmpty);
    }

    [Fact]
    public void AByteOrderMarkIsNoRecord()
    {
        var (events, log) = Read(_files.Write("conn.log", ConnHeader + ConnLine + "\n", bom: true));
        Assert.Single(events);
        Assert.Equal(0, log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void AnotherSeparatorIsHonoured()
    {
        var header = ConnHeader.Replace("#separator \\x09", "#separator \\x7c", StringComparison.Ordinal).Replace('\t', '|');
        var (events, log) = Read(_files.Write("conn.log", header + ConnLine.Replace('\t', '|') + "\n"));
        var e = Assert.Single(events);
        Assert.Equal("10.136.0.16", e.RemoteIP);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(0, log.RowsRejected);
    }

    public void Dispose() => _files.Dispose();
}
