using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class ZeekLogFormatTests : IDisposable
{
    private readonly TempFiles _files = new();

    private const string ConnHeader =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2023-01-05-18-51-06\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

    // Verbatim from RITA's proxy test data (conn.log, line 9).
    private const string ConnLine =
        "1672843056.913119\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\ttcp\thttp,ssl\t0.084044\t1030\t20275\tSF\tT\tT\t0\tShADadFf\t18\t1974\t14\t21011\t-";

    private const string HttpHeader =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n#open\t2023-01-05-18-51-06\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types\n" +
        "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\n";

    // Verbatim from RITA's proxy test data (http.log, line 9).
    private const string HttpLine =
        "1672843056.914972\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\t1\tCONNECT\twww.google.com\twww.google.com:443\t-\t1.1\tModzilla/-2.0 (Atari 7800)\t-\t0\t0\t200\tConnection established\t-\t-\t(empty)\t-\t-\tPROXY-CONNECTION -> Keep-Alive\t-\t-\t-\t-\t-\t-";

    private (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        return (new TelemetryReader(new ReadContext(log, pool)).Read(paths).ToList(), log);
    }

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
        Assert.Equal([10L, 11L, 12L, 13L, 14L, 16L], log.Examples.Select(p => p.Line).Order());
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

    public void Dispose() => _files.Dispose();
}
