using Cadence.Sources;
using Cadence.Sources.Zeek;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

/// <summary>conn_long.log (corelight/zeek-long-connections) and open_conn.log (activecm/zeek-open-connections): one connection per uid, conn.log first.</summary>
public sealed class ZeekOpenConnectionTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Header(string path) => ZeekSamples.ConnHeader.Replace("#path\tconn\n", $"#path\t{path}\n", StringComparison.Ordinal);

    // A connection opened at 1700000000 and logged open at 10 min, 30 min and 1 h (the package's
    // first default durations), as corelight/zeek-long-connections writes them: the same ts and
    // uid each time, the duration and byte counts so far, state S1 (established, not closed).
    private static readonly string[] Open =
    [
        "1700000000.000000\tClong1\t10.0.0.5\t50000\t203.0.113.10\t443\ttcp\tssl\t600.000000\t1000\t2000\tS1\tT\tF\t0\tShAD\t10\t1400\t10\t2400\t-",
        "1700000000.000000\tClong1\t10.0.0.5\t50000\t203.0.113.10\t443\ttcp\tssl\t1800.000000\t3000\t6000\tS1\tT\tF\t0\tShADad\t30\t4200\t30\t7200\t-",
        "1700000000.000000\tClong1\t10.0.0.5\t50000\t203.0.113.10\t443\ttcp\tssl\t3600.000000\t6000\t12000\tS1\tT\tF\t0\tShADad\t60\t8400\t60\t14400\t-",
    ];

    private const string Closed =
        "1700000000.000000\tClong1\t10.0.0.5\t50000\t203.0.113.10\t443\ttcp\tssl\t5400.250000\t9000\t18000\tSF\tT\tF\t0\tShADadFf\t90\t12600\t90\t21600\t-";

    private const string Other =
        "1700000100.000000\tCshort\t10.0.0.5\t50001\t198.51.100.1\t443\ttcp\tssl\t0.500000\t100\t200\tSF\tT\tF\t0\tShADadFf\t4\t300\t4\t400\t-";

    private static long Seconds(double s) => (long)(s * TimeSpan.TicksPerSecond);

    private static IReadOnlyDictionary<string, long> Notes(IngestLog log, string file) =>
        log.Inputs.Single(i => i.Input.DisplayName.EndsWith(file, StringComparison.Ordinal)).Notes;

    [Theory]
    [InlineData("conn_long")]
    [InlineData("open_conn")]
    public void The_longest_record_of_a_connection_still_open_becomes_one_connection(string path)
    {
        // Records given out of order: the longest wins wherever it sits.
        var open = _files.Write($"{path}.log", Header(path) + Open[2] + "\n" + Open[0] + "\n" + Open[1] + "\n");

        var (events, log) = ZeekSamples.Read(open);

        var e = Assert.Single(events);
        Assert.True(e.StillOpen);
        Assert.Equal(Seconds(3600), e.DurationTicks);
        Assert.Equal(6000, e.SentBytes);
        Assert.Equal(12000, e.ReceivedBytes);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("S1", e.ConnectionState);
        Assert.Equal(DateTime.UnixEpoch.Ticks + Seconds(1700000000), e.TimestampTicks);
        Assert.Equal(9, e.Provenance.Line);
        var notes = Notes(log, $"{path}.log");
        Assert.Equal(3, notes["open-connection records (conn_long/open_conn) held until conn.log is read (by uid)"]);
        Assert.Equal(2, notes[ZeekLinks.OpenSupersededNote]);
        Assert.Equal(1, notes[ZeekLinks.OpenReadNote]);
        Assert.Equal(1, log.EventsRead);
        Assert.Equal(0, log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void Json_records_read_as_the_tsv_ones_and_dedup_across_both_forms()
    {
        // Two records in JSON (named by _path, as Corelight and Security Onion write them), the longest in TSV.
        var json = _files.Write("conn_long.json", ZeekSamples.ToJson(Header("conn_long"), Open[0], "conn_long") + "\n"
            + ZeekSamples.ToJson(Header("open_conn"), Open[1], "open_conn") + "\n");
        var tsv = _files.Write("conn_long.log", Header("conn_long") + Open[2] + "\n");
        var tsvOnly = ZeekSamples.Read(_files.Write("alone/conn_long.log", Header("conn_long") + Open[2] + "\n")).Events.Single();

        var (events, log) = ZeekSamples.Read(json, tsv);

        ZeekSamples.AssertSameEvent(tsvOnly, Assert.Single(events));
        Assert.Equal(2, Notes(log, "conn_long.json")[ZeekLinks.OpenSupersededNote]);
        Assert.Equal(1, Notes(log, "conn_long.log")[ZeekLinks.OpenReadNote]);
    }

    [Fact]
    public void A_conn_log_record_of_the_same_uid_wins_whichever_order_the_files_are_named_in()
    {
        var conn = _files.Write("conn.log", ZeekSamples.ConnHeader + Closed + "\n" + Other + "\n");
        var open = _files.Write("conn_long.log", Header("conn_long") + string.Join("\n", Open) + "\n");

        foreach (var order in new[] { new[] { conn, open }, [open, conn] })
        {
            var (events, log) = ZeekSamples.Read(order);

            Assert.Equal(2, events.Count);
            var closed = Assert.Single(events, e => e.LocalPort == 50000);
            Assert.False(closed.StillOpen);
            Assert.Equal(Seconds(5400.25), closed.DurationTicks);
            Assert.Equal("SF", closed.ConnectionState);
            var notes = Notes(log, "conn_long.log");
            // Every record is accounted for: two superseded by the longest, which the conn record dropped.
            Assert.Equal(2, notes[ZeekLinks.OpenSupersededNote]);
            Assert.Equal(1, notes[ZeekLinks.OpenClosedNote]);
            Assert.False(notes.ContainsKey(ZeekLinks.OpenReadNote));
        }
    }

    [Fact]
    public void One_stream_mixing_both_logs_still_lets_the_conn_record_win()
    {
        // A Corelight-style stream of JSON lines with _path, the conn record before the open
        // records of its connection (an export sorted by ts): read after it, they are caught on a
        // second look at the input.
        var stream = _files.Write("all.json",
            ZeekSamples.ToJson(ZeekSamples.ConnHeader, Closed, "conn") + "\n"
            + ZeekSamples.ToJson(Header("conn_long"), Open[0], "conn_long") + "\n"
            + ZeekSamples.ToJson(Header("conn_long"), Open[2], "conn_long") + "\n"
            + ZeekSamples.ToJson(ZeekSamples.ConnHeader, Other, "conn") + "\n");

        foreach (var threads in new[] { 1, 4 })
        {
            var (events, log) = ZeekSamples.ReadInto(threads, stream);

            Assert.Equal(2, events.Count);
            Assert.DoesNotContain(events, e => e.StillOpen);
            var notes = Notes(log, "all.json");
            Assert.Equal(1, notes[ZeekLinks.OpenSupersededNote]);
            Assert.Equal(1, notes[ZeekLinks.OpenClosedNote]);
        }
    }

    [Fact]
    public void A_still_open_connection_takes_its_http_and_ssl_records()
    {
        var open = _files.Write("conn_long.log", Header("conn_long") + Open[2] + "\n");
        var ssl = _files.Write("ssl.log", ZeekSamples.SslHeader +
            "1700000000.050000\tClong1\t10.0.0.5\t50000\t203.0.113.10\t443\tTLSv12\tTLS_AES_128_GCM_SHA256\tc2.relay.example\tT\t2a26b1a62e40d25d4de3babc9d532f30\t-\n");

        var (events, log) = ZeekSamples.Read(open, ssl);

        var e = Assert.Single(events);
        Assert.True(e.StillOpen);
        Assert.Equal("c2.relay.example", e.DestinationHost);
        Assert.Equal("2a26b1a62e40d25d4de3babc9d532f30", e.Ja3);
        Assert.DoesNotContain(log.Inputs, i => i.Notes.ContainsKey("http/ssl records no conn.log record claimed: read as events of their own"));
    }

    [Fact]
    public void Malformed_open_records_are_rejected_with_their_line_and_the_rest_still_read()
    {
        var open = _files.Write("conn_long.log", Header("conn_long")
            + Open[0].Replace("\tClong1\t", "\t-\t", StringComparison.Ordinal) + "\n"
            + Open[1].Replace("\t1800.000000\t", "\tlong\t", StringComparison.Ordinal) + "\n"
            + Open[2].Replace("\t443\t", "\t70000\t", StringComparison.Ordinal) + "\n"
            + "garbage\n"
            + Open[2] + "\n");

        var (events, log) = ZeekSamples.Read(open);

        Assert.Single(events);
        var input = Assert.Single(log.Inputs);
        Assert.Equal(1, input.RejectedByReason["open connection without a uid"]);
        Assert.Equal(1, input.RejectedByReason["unparsable duration"]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Contains(log.Examples, p => p.Line == 9 && p.Reason == "open connection without a uid");
    }

    [Fact]
    public void Many_records_of_many_connections_are_held_once_per_connection()
    {
        // Hostile or just large: 20,000 connections logged open 5 times each hold 20,000 records, not 100,000.
        var lines = new System.Text.StringBuilder(Header("open_conn"));
        for (var round = 1; round <= 5; round++)
        {
            for (var c = 0; c < 20_000; c++)
                lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"1700000000.000000\tC{c}\t10.0.{c / 250}.{c % 250}\t5{c % 10000:0000}\t203.0.113.10\t443\ttcp\tssl\t{round * 3600}.000000\t1\t1\tS1\tT\tF\t0\tShAD\t1\t1\t1\t1\t-\n");
        }
        var open = _files.Write("open_conn.log", lines.ToString());

        var (events, log) = ZeekSamples.ReadInto(4, open);

        Assert.Equal(20_000, events.Count);
        Assert.All(events, e => Assert.Equal(Seconds(5 * 3600), e.DurationTicks));
        Assert.Equal(80_000, Notes(log, "open_conn.log")[ZeekLinks.OpenSupersededNote]);
    }

    [Fact]
    public void Connections_past_the_limit_are_counted_not_held()
    {
        var lines = new System.Text.StringBuilder(Header("open_conn"));
        var count = ZeekLinks.MaxOpenConnections + 10;
        for (var c = 0; c < count; c++)
            lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"1700000000.000000\tC{c}\t10.0.0.5\t50000\t203.0.113.10\t443\ttcp\tssl\t3600.000000\t1\t1\tS1\tT\tF\t0\tShAD\t1\t1\t1\t1\t-\n");
        var open = _files.Write("open_conn.log", lines.ToString());

        var (events, log) = ZeekSamples.ReadInto(4, open);

        var notes = Notes(log, "open_conn.log");
        Assert.Equal(count, events.Count + notes[ZeekLinks.OpenOverLimitNote]);
        Assert.InRange(events.Count, ZeekLinks.MaxOpenConnections, ZeekLinks.MaxOpenConnections + 8);
    }
}
