using Cadence.Analytics;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Tests.Sources;

namespace Cadence.Tests.Analytics.Sessions;

/// <summary>The websocket, long-connection and ja3 analytics through the whole pipeline, on small files in each source's real format.</summary>
public sealed class SessionAndTlsEndToEndTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Zeek_logs_show_a_websocket_held_for_hours_and_a_trickbot_handshake()
    {
        // Two devices. 10.0.0.5 upgrades to WebSocket (status 101) and holds the connection 5 h;
        // 10.0.0.6 speaks TLS with the JA3 README's Trickbot JA3 to a server answering with its JA3S.
        _files.Write("zeek/conn.log", ZeekSamples.ConnHeader +
            "1700000000.000000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\ttcp\thttp\t18000.500000\t52000\t48000\tSF\tT\tF\t0\tShADadFf\t900\t88000\t800\t80000\t-\n" +
            "1700000100.000000\tCtls1\t10.0.0.6\t50001\t198.51.100.20\t443\ttcp\tssl\t2.000000\t1500\t3000\tSF\tT\tF\t0\tShADadFf\t12\t2100\t10\t3500\t-\n" +
            "1700003700.000000\tCtls2\t10.0.0.6\t50002\t198.51.100.20\t443\ttcp\tssl\t2.000000\t1500\t3000\tSF\tT\tF\t0\tShADadFf\t12\t2100\t10\t3500\t-\n" +
            "1700019000.000000\tCplain\t10.0.0.6\t50003\t192.0.2.44\t443\ttcp\t-\t0.300000\t500\t900\tSF\tT\tF\t0\tShADadFf\t6\t800\t6\t1200\t-\n");
        _files.Write("zeek/http.log", ZeekSamples.HttpHeader +
            "1700000000.010000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\t1\tGET\tws.relay.example\t/socket\t-\t1.1\tMozilla/5.0\t-\t0\t0\t101\tSwitching Protocols\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
        _files.Write("zeek/ssl.log", ZeekSamples.SslHeader +
            "1700000100.010000\tCtls1\t10.0.0.6\t50001\t198.51.100.20\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384\tcdn.preview.example\tT\t6734f37431670b3ab4292b8f60f29984\t623de93db17d313345d7ea481e7443cf\n" +
            "1700003700.010000\tCtls2\t10.0.0.6\t50002\t198.51.100.20\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384\tcdn.preview.example\tT\t6734f37431670b3ab4292b8f60f29984\t623de93db17d313345d7ea481e7443cf\n");

        var result = Hunt.Run(new HuntOptions([Path.Combine(_files.Root, "zeek")], TuningFile.Default));

        var websocket = Assert.Single(result.Findings, f => f.Analytic == "websocket");
        Assert.Equal(("10.0.0.5", "ws.relay.example"), (websocket.Device, websocket.Destination));
        // Two devices cannot say what is rare: shown, not alerted on.
        Assert.Equal(Severity.Low, websocket.Severity);
        Assert.Contains(websocket.Reasons, r => r.Contains("too few devices", StringComparison.Ordinal));

        var session = Assert.Single(result.Findings, f => f.Analytic == "long-connection");
        Assert.Equal("ws.relay.example", session.Destination);
        Assert.Equal(Severity.Medium, session.Severity); // 5 h: the 4 h tier
        Assert.Equal(5.0, session.SubScores["connectedHours"]!.Value, 2);
        Assert.Contains(session.Reasons, r => r.StartsWith("one session held 5.0 h", StringComparison.Ordinal));

        var ja3 = Assert.Single(result.Findings, f => f.Analytic == "ja3");
        Assert.Equal(("10.0.0.6", "cdn.preview.example"), (ja3.Device, ja3.Destination));
        Assert.Equal(Severity.Critical, ja3.Severity);
        Assert.Contains(ja3.Reasons, r => r.StartsWith("known-bad JA3+JA3S pair: Trickbot", StringComparison.Ordinal));
        Assert.Equal(2, ja3.SubScores["handshakes"]);
    }

    [Fact]
    public void A_websocket_c2_still_open_when_the_logs_were_cut_is_rated_by_its_open_duration()
    {
        // 10.0.0.5 upgrades to WebSocket at 1700000000 (http.log, status 101) and is still connected
        // when the logs are cut six hours later: conn.log never logs it, conn_long.log (written every
        // hour, as activecm/zeek-open-connections does) shows it open 1 h to 5 h. A second connection
        // logged open at 1 h then closed after 2 h is counted once, by its conn.log record.
        var open = ZeekSamples.ConnHeader.Replace("#path\tconn\n", "#path\tconn_long\n", StringComparison.Ordinal);
        _files.Write("zeek/conn.log", ZeekSamples.ConnHeader +
            "1700000600.000000\tCdone\t10.0.0.5\t50010\t198.51.100.30\t443\ttcp\tssl\t7200.000000\t5200\t4800\tSF\tT\tF\t0\tShADadFf\t90\t8800\t80\t8000\t-\n" +
            "1700021600.000000\tClast\t10.0.0.5\t50020\t192.0.2.44\t443\ttcp\t-\t0.300000\t500\t900\tSF\tT\tF\t0\tShADadFf\t6\t800\t6\t1200\t-\n");
        _files.Write("zeek/http.log", ZeekSamples.HttpHeader +
            "1700000000.010000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\t1\tGET\tws.relay.example\t/socket\t-\t1.1\tMozilla/5.0\t-\t0\t0\t101\tSwitching Protocols\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
        _files.Write("zeek/ssl.log", ZeekSamples.SslHeader +
            "1700000600.010000\tCdone\t10.0.0.5\t50010\t198.51.100.30\t443\tTLSv12\tTLS_AES_128_GCM_SHA256\tsync.files.example\tT\t-\t-\n");
        _files.Write("zeek/conn_long.log", open +
            string.Concat(Enumerable.Range(1, 5).Select(h =>
                $"1700000000.000000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\ttcp\thttp\t{h * 3600}.000000\t{h * 10000}\t{h * 9000}\tS1\tT\tF\t0\tShADad\t{h * 100}\t{h * 14000}\t{h * 90}\t{h * 12000}\t-\n")) +
            "1700000600.000000\tCdone\t10.0.0.5\t50010\t198.51.100.30\t443\ttcp\tssl\t3600.000000\t2600\t2400\tS1\tT\tF\t0\tShADad\t45\t4400\t40\t4000\t-\n");

        var result = Hunt.Run(new HuntOptions([Path.Combine(_files.Root, "zeek")], TuningFile.Default));

        var session = Assert.Single(result.Findings, f => f.Analytic == "long-connection" && f.Destination == "ws.relay.example");
        Assert.Equal(Severity.Medium, session.Severity); // 5 h: the 4 h tier
        Assert.Equal(5.0, session.SubScores["connectedHours"]!.Value, 2);
        Assert.Equal(1, session.ConnectionCount); // one uid, one connection: not five
        Assert.Equal(50000, session.BytesSent);
        Assert.Contains(session.Reasons, r => r.StartsWith("the session was still open at its last record", StringComparison.Ordinal));
        Assert.Single(result.Findings, f => f.Analytic == "websocket" && f.Destination == "ws.relay.example");

        var closed = Assert.Single(result.Findings, f => f.Analytic == "long-connection" && f.Destination == "sync.files.example");
        Assert.Equal(2.0, closed.SubScores["connectedHours"]!.Value, 2);
        Assert.DoesNotContain(closed.Reasons, r => r.Contains("still open", StringComparison.Ordinal));

        var account = Assert.Single(result.Log.Inputs, i => i.Input.DisplayName.EndsWith("conn_long.log", StringComparison.Ordinal));
        Assert.Equal(6, account.Notes["open-connection records (conn_long/open_conn) held until conn.log is read (by uid)"]);
        Assert.Equal(4, account.Notes[Cadence.Sources.Zeek.ZeekLinks.OpenSupersededNote]);
        Assert.Equal(1, account.Notes[Cadence.Sources.Zeek.ZeekLinks.OpenClosedNote]);
        Assert.Equal(1, account.Notes[Cadence.Sources.Zeek.ZeekLinks.OpenReadNote]);
    }

    [Fact]
    public void Defender_inspections_show_a_websocket_and_an_emotet_handshake_with_their_processes()
    {
        const string header = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,RemoteIPType,InitiatingProcessFileName,AdditionalFields";
        var csv = header + "\n" +
            "2024-03-26T09:00:00Z,ws-1,ConnectionSuccess,203.0.113.10,443,ws.relay.example,10.0.0.5,50000,Public,node.exe,\n" +
            "2024-03-26T09:00:00.02Z,ws-1,HttpConnectionInspected,203.0.113.10,443,,10.0.0.5,50000,Public,,\"{\"\"direction\"\":\"\"Out\"\",\"\"host\"\":\"\"ws.relay.example\"\",\"\"method\"\":\"\"GET\"\",\"\"uri\"\":\"\"/socket\"\",\"\"status_code\"\":101}\"\n" +
            "2024-03-26T09:10:00Z,ws-2,ConnectionSuccess,198.51.100.7,443,mail.invoice.example,10.0.0.6,50100,Public,rundll32.exe,\n" +
            "2024-03-26T09:10:00.03Z,ws-2,SslConnectionInspected,198.51.100.7,443,,10.0.0.6,50100,Public,,\"{\"\"server_name\"\":\"\"mail.invoice.example\"\",\"\"ja3\"\":\"\"4d7a28d6f2263ed61de88ca66eb011e3\"\",\"\"ja3s\"\":\"\"80b3a14bccc8598a1f3bbe83e71f735f\"\",\"\"established\"\":\"\"true\"\"}\"\n";
        var path = _files.Write("DeviceNetworkEvents.csv", csv);

        var result = Hunt.Run(new HuntOptions([path], TuningFile.Default));

        var websocket = Assert.Single(result.Findings, f => f.Analytic == "websocket");
        Assert.Equal(("ws-1", "node.exe", "ws.relay.example"), (websocket.Device, websocket.Process, websocket.Destination));
        var ja3 = Assert.Single(result.Findings, f => f.Analytic == "ja3");
        Assert.Equal(("ws-2", "rundll32.exe", "mail.invoice.example"), (ja3.Device, ja3.Process, ja3.Destination));
        Assert.Equal(Severity.Critical, ja3.Severity);
        Assert.Contains(ja3.Reasons, r => r.StartsWith("known-bad JA3+JA3S pair: Emotet", StringComparison.Ordinal));
        // Defender logs no durations: the long-connection analytic says it saw nothing, rather than guessing.
        Assert.DoesNotContain(result.Findings, f => f.Analytic == "long-connection");
        Assert.Contains(result.Skipped, s => s.Analytic == "long-connection" && s.Reason.Contains("Duration", StringComparison.Ordinal));
    }

    [Fact]
    public void A_zeek_101_sets_the_websocket_upgrade_on_the_linked_connection_and_on_an_unlinked_request()
    {
        var conn = _files.Write("z/conn.log", ZeekSamples.ConnHeader +
            "1700000000.000000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\ttcp\thttp\t60.000000\t520\t480\tSF\tT\tF\t0\tShADadFf\t9\t880\t8\t800\t-\n");
        var http = _files.Write("z/http.log", ZeekSamples.HttpHeader +
            "1700000000.010000\tCws1\t10.0.0.5\t50000\t203.0.113.10\t80\t1\tGET\tws.relay.example\t/socket\t-\t1.1\tMozilla/5.0\t-\t0\t0\t101\tSwitching Protocols\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n" +
            "1700000005.010000\tCother\t10.0.0.5\t50001\t203.0.113.10\t80\t1\tGET\tws.relay.example\t/socket\t-\t1.1\tMozilla/5.0\t-\t0\t0\t101\tSwitching Protocols\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n" +
            "1700000009.010000\tCplain\t10.0.0.5\t50002\t203.0.113.10\t80\t1\tGET\tws.relay.example\t/\t-\t1.1\tMozilla/5.0\t-\t0\t0\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");

        var (events, log) = ZeekSamples.Read(http, conn);

        Assert.Equal(3, events.Count);
        Assert.True(Assert.Single(events, e => e.ActionType == "ConnectionSuccess").WebSocketUpgrade);
        Assert.True(Assert.Single(events, e => e.LocalPort == 50001).WebSocketUpgrade);
        Assert.Null(Assert.Single(events, e => e.LocalPort == 50002).WebSocketUpgrade);
        Assert.Contains(log.Inputs, i => i.Provides.HasFlag(Cadence.Telemetry.TelemetryFields.WebSocketUpgrade));
    }
}
