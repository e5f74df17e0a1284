using System.Text;
using Cadence.Sources;
using Cadence.Sources.Defender;
using Cadence.Sources.Zeek;
using Cadence.Telemetry;
using static Cadence.Tests.Sources.ZeekSamples;

namespace Cadence.Tests.Sources;

public sealed class ZeekJsonFormatTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void TheVerbatimSampleInJsonGivesTheSameEventAsInTsv()
    {
        var (tsv, _) = Read(_files.Write("tsv/conn.log", ConnHeader + ConnLine + "\n"));
        var (json, log) = Read(_files.Write("json/conn.log", ConnJson + "\n"));

        AssertSameEvent(Assert.Single(tsv), Assert.Single(json));
        var e = json[0];
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843056_9131190L, e.TimestampTicks);
        // 0.08404397964477539 s, rounded to Zeek's microsecond as its TSV writer rounds it.
        Assert.Equal(840_440, e.DurationTicks);
        Assert.Equal(1, e.Provenance.Line);
        Assert.Equal("Zeek conn log (JSON)", log.Inputs[0].Format);
        Assert.Equal(ZeekFields.Provides(ZeekLogKind.Conn), log.Inputs[0].Provides);
    }

    public static TheoryData<string, string, string> SameRecords => new()
    {
        { "conn", ConnHeader, ConnLine },
        { "conn: unset duration and bytes", ConnHeader, "1672843100.5\tC1\t10.0.0.1\t5000\t8.8.8.8\t443\ttcp\t-\t-\t-\t-\tS0\tT\tF\t0\tS\t1\t60\t0\t0\t-" },
        { "conn: IPv6, empty service", ConnHeader, "1672843101\tC2\t10.0.0.1\t5001\t2001:db8::1\t80\ttcp\t(empty)\t1.5\t0\t0\tSF\tT\tF\t0\tS\t1\t60\t0\t0\t-" },
        { "conn: no state", ConnHeader, "1672843102.000001\tC3\tfe80::1\t5353\tff02::fb\t5353\tudp\tdns\t0.000003\t40\t0\t-\tT\tF\t0\tD\t1\t68\t0\t0\t-" },
        { "http", HttpHeader, HttpLine },
        { "ssl", SslHeader, SslLine },
    };

    [Theory]
    [MemberData(nameof(SameRecords))]
    public void TheSameRecordsInJsonGiveEqualEvents(string what, string header, string line)
    {
        var (tsv, _) = Read(_files.Write($"tsv/{what}.log", header + line + "\n"));
        var (json, _) = Read(_files.Write($"json/{what}.log", ToJson(header, line) + "\n"));
        Assert.Equal(tsv.Count, json.Count);
        for (var i = 0; i < tsv.Count; i++)
            AssertSameEvent(tsv[i], json[i]);
    }

    [Fact]
    public void Iso8601AndMillisecondTimestamps()
    {
        var iso = ConnJson.Replace("\"ts\":1672843056.913119", "\"ts\":\"2023-01-04T14:37:36.913119Z\"", StringComparison.Ordinal);
        var millis = ConnJson.Replace("\"ts\":1672843056.913119", "\"ts\":1672843056913", StringComparison.Ordinal);
        var (events, log) = Read(_files.Write("conn.log", iso + "\n" + millis + "\n"));
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843056_9131190L, events[0].TimestampTicks);
        Assert.Equal(DateTime.UnixEpoch.Ticks + 1672843056_9130000L, events[1].TimestampTicks);
    }

    [Theory]
    [InlineData("1672843056.913119", 16728430569131190L)]
    [InlineData("0.08404397964477539", 840440L)]
    [InlineData("3.0994415283203125e-06", 30L)]
    [InlineData("1.5E+1", 150_000_000L)]
    [InlineData("2", 20_000_000L)]
    [InlineData("0.0000005", 10L)]
    [InlineData("0.0000004999", 0L)]
    [InlineData("0.9999996", 10_000_000L)]
    [InlineData("1e-400", 0L)]
    public void JsonNumbersAreReadExactlyFromTheirTextAndRoundedToTheMicrosecond(string number, long ticks)
    {
        Assert.True(ZeekTime.TryParseJsonSeconds(Encoding.ASCII.GetBytes(number), integerMillis: false, out var parsed));
        Assert.Equal(ticks, parsed);
    }

    [Theory]
    [InlineData("-1.5")]
    [InlineData("1e400")]
    [InlineData("1.")]
    [InlineData("12345678901234")]
    public void JsonNumbersThatAreNoTimeAreRefused(string number) =>
        Assert.False(ZeekTime.TryParseJsonSeconds(Encoding.ASCII.GetBytes(number), integerMillis: false, out _));

    [Fact]
    public void PathNamesTheLogInAMixedStreamAndOtherLogsAreSkipped()
    {
        // A Corelight-style stream: every log in one file, each record naming its own.
        var dns = """{"_path":"dns","_system_name":"sensor1","ts":1672843056.1,"uid":"Cdns","id.orig_h":"10.136.0.18","id.orig_p":5353,"id.resp_h":"10.136.0.1","id.resp_p":53,"query":"www.google.com"}""";
        var lines = string.Join('\n',
            ToJson(HttpHeader, HttpLine, path: "http"),
            dns,
            ToJson(ConnHeader, ConnLine, path: "conn"),
            dns.Replace("\"_path\":\"dns\"", "\"@stream\":\"dns\"", StringComparison.Ordinal)) + "\n";
        var (events, log) = Read(_files.Write("zeek.json", lines));

        var e = Assert.Single(events);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("www.google.com", e.DestinationHost);
        Assert.Equal("CONNECT", e.HttpMethod);
        Assert.Equal(3, e.Provenance.Line);
        var input = log.Inputs[0];
        Assert.Equal(2, input.SkippedByReason["Zeek dns log: not a connection, HTTP or TLS record"]);
        Assert.Equal("Zeek http log (JSON)", input.Format);
        Assert.Equal(ZeekFields.Provides(ZeekLogKind.Conn) | ZeekFields.Provides(ZeekLogKind.Http), input.Provides);
    }

    [Fact]
    public void WithoutPathTheFieldsTellTheLog()
    {
        var sip = """{"ts":1672843057.1,"uid":"Csip","id.orig_h":"10.0.0.5","id.orig_p":5060,"id.resp_h":"10.0.0.6","id.resp_p":5060,"trans_depth":0,"method":"INVITE","uri":"sip:bob@example.com","call_id":"a84b4c76e66710","status_code":200}""";
        var files = """{"ts":1672843057.2,"fuid":"F1","uid":"Cfile","id.orig_h":"10.0.0.5","duration":0.5,"seen_bytes":100}""";
        var lines = string.Join('\n', ToJson(SslHeader, SslLine), sip, files, ToJson(HttpHeader, HttpLine)) + "\n";
        var (events, log) = Read(_files.Write("mixed.json", lines));

        // Nothing claims the http and ssl records: they stand on their own at the end.
        Assert.Equal(["HttpConnectionInspected", "SslConnectionInspected"], events.Select(e => e.ActionType).Order());
        Assert.Equal(2, log.RowsSkipped);
        Assert.Equal(2, log.Inputs[0].Notes.Single(n => n.Key.Contains("held", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public void HttpLogInTsvEnrichesConnLogInJson()
    {
        // Named so the conn log sorts first: the http log is still read first, whatever its form.
        var conn = _files.Write("a-conn.json", ConnJson + "\n");
        var http = _files.Write("b-http.log", HttpHeader + HttpLine + "\n");
        var (events, log) = Read(conn, http);

        var e = Assert.Single(events);
        Assert.Equal("www.google.com", e.DestinationHost);
        Assert.Equal("www.google.com:443", e.RemoteUrl);
        Assert.Equal("Modzilla/-2.0 (Atari 7800)", e.UserAgent);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(conn, e.Provenance.Input.DisplayName);
        Assert.Equal(["Zeek http log (TSV)", "Zeek conn log (JSON)"], log.Inputs.Select(i => i.Format));
    }

    [Fact]
    public void SslLogInJsonEnrichesConnLogInTsv()
    {
        var conn = ConnLine.Replace("CXHB1X22027MRWU6D", "Csslcurl", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("conn.log", ConnHeader + conn + "\n"), _files.Write("ssl.json", ToJson(SslHeader, SslLine) + "\n"));
        var e = Assert.Single(events);
        Assert.Equal("google.com", e.DestinationHost);
        Assert.Equal("2a26b1a62e40d25d4de3babc9d532f30", e.Ja3);
        Assert.Null(e.Ja3s);
    }

    [Fact]
    public void MalformedLinesAreRejectedWithTheirLinesAndReadingContinues()
    {
        var lines = string.Join('\n',
            ConnJson,                                                                            // 1 ok
            ConnJson[..80] + "}",                                                                // 2 broken
            "[1, 2]",                                                                            // 3 not an object
            ConnJson.Replace("1672843056.913119", "\"yesterday\"", StringComparison.Ordinal),    // 4 ts
            ConnJson.Replace("\"id.resp_p\":3128", "\"id.resp_p\":\"https\"", StringComparison.Ordinal), // 5 port
            ConnJson + " {}",                                                                    // 6 two values
            "",                                                                                  // 7 blank
            ConnJson,                                                                            // 8 ok
            ConnJson[..100]);                                                                    // 9 truncated last line
        var (events, log) = Read(_files.Write("conn.json", lines));

        Assert.Equal([1L, 8L], events.Select(e => e.Provenance.Line));
        var input = log.Inputs[0];
        Assert.Equal(3, input.RejectedByReason[RowReasons.BadJson]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.NotAnObject]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal([2L, 3L, 4L, 5L, 6L, 9L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.All(log.Examples, p => Assert.StartsWith($"{input.Input.DisplayName}:{p.Line}: ", p.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void ARecordWithoutItsAddressesIsRejectedNotReadAsAnEmptyConnection()
    {
        // Some pipelines nest the connection's addresses: not Zeek's own flat form.
        var nested = """{"ts":1672843056.913119,"uid":"C1","id":{"orig_h":"10.136.0.18","orig_p":55548,"resp_h":"10.136.0.16","resp_p":3128},"proto":"tcp","conn_state":"SF"}""";
        var (events, log) = Read(_files.Write("conn.json", nested + "\n" + ConnJson + "\n"));
        Assert.Single(events);
        var problem = Assert.Single(log.Examples);
        Assert.Equal((1L, "missing Zeek fields"), (problem.Line, problem.Reason));
        Assert.Equal("the record lacks id.orig_h, id.orig_p, id.resp_h, id.resp_p", problem.Detail);
    }

    [Fact]
    public void StrictModeStopsAtTheFirstBrokenLine()
    {
        var path = _files.Write("conn.json", ConnJson + "\n" + ConnJson[..50] + "\n" + ConnJson + "\n");
        var ex = Assert.Throws<MalformedInputException>(() => Read(strict: true, path));
        Assert.Equal(2, ex.Problem.Line);
        Assert.Equal(RowReasons.BadJson, ex.Problem.Reason);
    }

    [Fact]
    public void GzipAndByteOrderMarkAndCrlf()
    {
        var path = _files.Write("2023-01-05/conn.15:00:00-16:00:00.log.gz", ConnJson + "\r\n" + ConnJson + "\r\n", bom: true, gzip: true);
        var (events, log) = Read(Path.Combine(_files.Root, "2023-01-05"));
        Assert.Equal(2, events.Count);
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(path, log.Inputs[0].Input.DisplayName);
    }

    [Fact]
    public void RecognizedFromTheFirstRecordAndNotTakenForDefenderNdjsonNorTheOtherWay()
    {
        var zeek = new ZeekJsonFormat();
        var defender = new DefenderJsonFormat();
        var ndjson = """{"Timestamp":"2024-03-26T09:39:50.7688641Z","DeviceId":"4b3e","DeviceName":"laptop-7","ActionType":"ConnectionSuccess","RemoteIP":"1.2.3.4","RemotePort":443,"RemoteUrl":"","InitiatingProcessFileName":"msedge.exe","RemoteIPType":"Public"}""";

        Assert.True(zeek.Recognizes(Encoding.UTF8.GetBytes("\n\n" + ConnJson + "\n")));
        Assert.True(zeek.Recognizes(Encoding.UTF8.GetBytes(ConnJson[..120])));
        Assert.True(zeek.Recognizes(Encoding.UTF8.GetBytes("""{"ts":"2023-01-04T14:37:36.913119Z","id.orig_h":"10.0.0.1"}""")));
        Assert.False(zeek.Recognizes(Encoding.UTF8.GetBytes("""{"ts":1672843056.9,"query":"example.com"}""")));
        Assert.False(zeek.Recognizes(Encoding.UTF8.GetBytes(ndjson + "\n")));
        Assert.False(zeek.Recognizes(Encoding.UTF8.GetBytes(ConnHeader)));
        Assert.False(defender.Recognizes(Encoding.UTF8.GetBytes(ConnJson + "\n")));
        Assert.True(defender.Recognizes(Encoding.UTF8.GetBytes(ndjson + "\n")));
        Assert.Equal(-1, zeek.ReadOrder(Encoding.UTF8.GetBytes(HttpJson + "\n")));
        Assert.Equal(0, zeek.ReadOrder(Encoding.UTF8.GetBytes(ConnJson + "\n")));
    }

    [Fact]
    public void RangesReadOnSeveralThreadsGiveWhatOneThreadReads()
    {
        // Above the 4 MiB below which a file is not split, with problems scattered through it.
        var text = new StringBuilder();
        var line = 0;
        while (text.Length < 6 << 20)
        {
            line++;
            var ts = (1672843056 + line).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var record = ConnJson.Replace("1672843056.913119", ts + ".5", StringComparison.Ordinal)
                .Replace("CXHB1X22027MRWU6D", "C" + line.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            text.Append(line % 10_007 == 0 ? record[..60] : line % 9_973 == 0 ? "" : record).Append('\n');
        }
        var path = _files.Write("conn.json", text.ToString());

        var (one, oneLog) = ReadInto(1, path);
        var (four, fourLog) = ReadInto(4, path);

        Assert.Equal(one.Count, four.Count);
        var byLine = four.ToDictionary(e => e.Provenance.Line);
        foreach (var e in one)
            AssertSameEvent(e, byLine[e.Provenance.Line]);
        Assert.Equal(oneLog.RowsRejected, fourLog.RowsRejected);
        Assert.Equal(oneLog.RowsSkipped, fourLog.RowsSkipped);
        Assert.Equal(oneLog.Examples.Select(p => p.ToString()), fourLog.Examples.Select(p => p.ToString()));
        Assert.Equal(oneLog.LatestEventTicks, fourLog.LatestEventTicks);
        Assert.True(oneLog.RowsRejected > 0);
    }
}
