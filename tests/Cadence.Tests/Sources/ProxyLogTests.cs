using System.Text;
using Cadence.Analytics.Seed;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Sources.Proxy;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class ProxyLogTests : IDisposable
{
    private static readonly long Epoch = DateTime.UnixEpoch.Ticks;

    private readonly TempFiles _files = new();

    // Squid's default (native) logformat: %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt.
    private const string SquidConnect =
        "1672843056.913    843 10.136.0.18 TCP_TUNNEL/200 20275 CONNECT www.honestimnotevil.com:443 - HIER_DIRECT/203.0.113.9 -";

    private const string SquidGet =
        "1672843100.120    120 10.1.2.3 TCP_MISS/200 5120 GET http://updates.example.org/check?id=1 - HIER_DIRECT/198.51.100.7 text/html";

    // Squid's built-in combined logformat; the local time is an hour ahead of UTC.
    private const string SquidCombined =
        "10.1.2.3 - alice [26/Mar/2024:10:39:50 +0100] \"CONNECT login.example.com:443 HTTP/1.1\" 200 6872 \"-\" " +
        "\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\" TCP_TUNNEL:HIER_DIRECT";

    private const string IisLog =
        "#Software: Microsoft Internet Information Services 10.0\n" +
        "#Version: 1.0\n" +
        "#Date: 2024-03-26 09:39:50\n" +
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n" +
        "2024-03-26 09:39:50 10.0.0.5 POST /aspnet_client/system_web/shell.aspx cmd=whoami 443 - 198.51.100.23 " +
        "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/122.0.0.0+Safari/537.36 - 200 0 0 187\n";

    // Blue Coat ProxySG's W3C layout: s-ip is the proxy, s-supplier-ip the server it reached.
    private const string BlueCoatLog =
        "#Software: SGOS 7.3.6.1\n" +
        "#Version: 1.0\n" +
        "#Start-Date: 2024-03-26 10:00:00\n" +
        "#Date: 2024-03-26 10:00:00\n" +
        "#Fields: date time time-taken c-ip cs-username s-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs(User-Agent) cs(Upgrade) s-supplier-ip x-exception-id\n" +
        "2024-03-26 10:00:00 31 10.1.2.3 - 10.0.0.1 101 TCP_NC_MISS 1532 611 GET https chat.example.net 443 /socket ?v=2 \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\" websocket 203.0.113.50 -\n" +
        "2024-03-26 10:00:05 2 10.1.2.3 - 10.0.0.1 403 TCP_DENIED 210 0 CONNECT tcp evil.example 443 / - \"-\" - - policy_denied\n";

    private static (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        return (new TelemetryReader(new ReadContext(log, pool), AllFormats).Read(paths).ToList(), log);
    }

    private static readonly IReadOnlyList<ITelemetryFormat> AllFormats =
        [.. TelemetryReader.DefaultFormats, new SquidAccessLogFormat(), new W3CExtendedLogFormat()];

    [Fact]
    public void SquidNativeConnect()
    {
        var (events, log) = Read(_files.Write("access.log", SquidConnect + "\n"));
        var e = Assert.Single(events);
        Assert.Equal(Epoch + 1672843056_9130000L, e.TimestampTicks);
        Assert.Equal("10.136.0.18", e.DeviceName);
        Assert.Equal("10.136.0.18", e.LocalIP);
        Assert.Null(e.LocalPort);
        Assert.Equal(843 * TimeSpan.TicksPerMillisecond, e.DurationTicks);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Null(e.SentBytes);
        Assert.Equal("CONNECT", e.HttpMethod);
        Assert.Equal("www.honestimnotevil.com:443", e.RemoteUrl);
        Assert.Equal("www.honestimnotevil.com", e.DestinationHost);
        Assert.Equal("203.0.113.9", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Documentation", e.RemoteIPType);
        Assert.Null(e.UserAgent);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal(1, e.Provenance.Line);
        Assert.Equal("Squid access.log (native)", log.Inputs[0].Format);
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes));
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.UserAgent));
        Assert.True(log.Inputs[0].Provides.HasFlag(SeedRule.Requires));
    }

    [Fact]
    public void SquidNativeGet()
    {
        var (events, _) = Read(_files.Write("access.log", SquidGet + "\n"));
        var e = Assert.Single(events);
        Assert.Equal(Epoch + 1672843100_1200000L, e.TimestampTicks);
        Assert.Equal("10.1.2.3", e.DeviceName);
        Assert.Equal(120 * TimeSpan.TicksPerMillisecond, e.DurationTicks);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(5120, e.ReceivedBytes);
        Assert.Equal("GET", e.HttpMethod);
        Assert.Equal("http://updates.example.org/check?id=1", e.RemoteUrl);
        Assert.Equal("updates.example.org", e.DestinationHost);
        Assert.Equal("198.51.100.7", e.RemoteIP);
        Assert.Equal(80, e.RemotePort);
        Assert.Equal("Documentation", e.RemoteIPType);
    }

    [Fact]
    public void SquidCombinedCarriesTheUserAgentButNoServerAddress()
    {
        var (events, log) = Read(_files.Write("access.log", SquidCombined + "\n"));
        var e = Assert.Single(events);
        Assert.Equal(new DateTime(2024, 3, 26, 9, 39, 50, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        Assert.Equal("10.1.2.3", e.DeviceName);
        Assert.Equal("10.1.2.3", e.LocalIP);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(6872, e.ReceivedBytes);
        Assert.Equal("CONNECT", e.HttpMethod);
        Assert.Equal("login.example.com:443", e.RemoteUrl);
        Assert.Equal("login.example.com", e.DestinationHost);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal(string.Empty, e.RemoteIP);
        Assert.Equal(string.Empty, e.RemoteIPType);
        Assert.Null(e.DurationTicks);
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", e.UserAgent);
        Assert.Equal("Squid access.log (combined)", log.Inputs[0].Format);
        Assert.True(log.Inputs[0].Provides.HasFlag(TelemetryFields.UserAgent));
        // Without the server's address the seed rule cannot group: the input says so.
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.RemoteIP));
    }

    [Fact]
    public void SquidCommonAndCombinedEscapesAndLayoutsMixedPerLine()
    {
        var lines =
            "10.1.2.3 - - [26/Mar/2024:09:39:51 +0000] \"GET http://x.example/a HTTP/1.1\" 404 310 TCP_MISS:HIER_DIRECT\n" +
            "10.1.2.3 - - [26/Mar/2024:09:39:52 -0230] \"GET https://[2001:db8::5]:8443/p HTTP/1.1\" 200 1 \"-\" \"say \\\"hi\\\" \"now\"\" TCP_MISS:HIER_DIRECT\n" +
            SquidGet + "\n";
        var (events, log) = Read(_files.Write("access.log", lines));
        Assert.Equal(3, events.Count);
        Assert.Equal("Squid access.log (common)", log.Inputs[0].Format);
        Assert.Null(events[0].UserAgent);
        Assert.Equal(404, events[0].StatusCode);
        Assert.Equal("ConnectionSuccess", events[0].ActionType);
        Assert.Equal(new DateTime(2024, 3, 26, 12, 9, 52, DateTimeKind.Utc).Ticks, events[1].TimestampTicks);
        Assert.Equal("2001:db8::5", events[1].DestinationHost);
        Assert.Equal(8443, events[1].RemotePort);
        // Escaped quotes are undone; an unescaped one inside the agent is kept as it was sent.
        Assert.Equal("say \"hi\" \"now\"", events[1].UserAgent);
        Assert.Equal("198.51.100.7", events[2].RemoteIP);
        Assert.Equal(0, log.RowsRejected);
    }

    [Theory]
    [InlineData("TCP_TUNNEL", 200, "HIER_DIRECT", "ConnectionSuccess")]
    [InlineData("TCP_MISS", 404, "HIER_DIRECT", "ConnectionSuccess")]
    [InlineData("TCP_MEM_HIT", 200, "HIER_NONE", "ConnectionSuccess")]
    [InlineData("TCP_MISS_ABORTED", 200, "HIER_DIRECT", "ConnectionSuccess")]
    [InlineData("TCP_MISS", 503, "HIER_DIRECT", "ConnectionSuccess")]
    [InlineData("TCP_DENIED", 403, "HIER_NONE", "ConnectionFailed")]
    [InlineData("TCP_DENIED_REPLY", 403, "HIER_DIRECT", "ConnectionFailed")]
    [InlineData("NONE", 400, "HIER_NONE", "ConnectionFailed")]
    [InlineData("TAG_NONE", 409, "HIER_NONE", "ConnectionFailed")]
    [InlineData("NONE_NONE", 0, "HIER_NONE", "ConnectionFailed")]
    [InlineData("TCP_MISS_ABORTED", 0, "HIER_DIRECT", "ConnectionFailed")]
    [InlineData("TCP_MISS", 503, "HIER_NONE", "ConnectionFailed")]
    [InlineData("TCP_TUNNEL", 503, "NONE", "ConnectionFailed")]
    public void SquidResultCodesMapToDefendersWords(string tag, int status, string hierarchy, string expected) =>
        Assert.Equal(expected, SquidLineMapper.ActionTypeOf(tag, status, hierarchy));

    [Fact]
    public void SquidDeniedNoneAndIcpLines()
    {
        var lines =
            "1672843200.001      0 10.1.2.3 TCP_DENIED/403 3964 CONNECT evil.example:8443 - HIER_NONE/- text/html\n" +
            "1672843201.500      5 10.1.2.3 NONE_NONE/000 0 NONE error:transaction-end-before-headers - HIER_NONE/- -\n" +
            "1672843202.000      0 10.0.0.9 UDP_MISS/000 92 ICP_QUERY http://example.com/ - HIER_NONE/- -\n" +
            "1672843203.000     12 ws-7.corp.example TCP_MISS/200 90 GET http://a.example/ bob FIRSTUP_PARENT/proxy2.corp.example text/plain\n";
        var (events, log) = Read(_files.Write("access.log", lines));
        Assert.Equal(3, events.Count);

        Assert.Equal("ConnectionFailed", events[0].ActionType);
        Assert.Equal(string.Empty, events[0].RemoteIP);
        Assert.Equal(string.Empty, events[0].RemoteIPType);
        Assert.Equal(8443, events[0].RemotePort);
        Assert.Equal("evil.example", events[0].DestinationHost);

        Assert.Equal("ConnectionFailed", events[1].ActionType);
        Assert.Null(events[1].StatusCode);
        Assert.Null(events[1].DestinationHost);
        Assert.Equal(-1, events[1].RemotePort);

        // log_fqdn: a name in place of the client address is the device, not a LocalIP; a
        // parent proxy named rather than addressed gives no RemoteIP.
        Assert.Equal("ws-7.corp.example", events[2].DeviceName);
        Assert.Null(events[2].LocalIP);
        Assert.Equal(string.Empty, events[2].RemoteIP);

        Assert.Equal(1, log.Inputs[0].SkippedByReason["ICP/HTCP query between caches, not a client request"]);
        Assert.Equal(3, log.Examples.Single().Line);
    }

    [Fact]
    public void SquidMalformedLinesAreCountedWithTheirLinesAndATruncatedLastLineToo()
    {
        var lines =
            SquidConnect + "\n"                                                                             // 1 ok
            + SquidConnect.Replace("1672843056.913", "yesterday", StringComparison.Ordinal) + "\n"         // 2 timestamp
            + SquidConnect.Replace("   843 ", " long ", StringComparison.Ordinal) + "\n"                   // 3 elapsed
            + SquidConnect.Replace("TCP_TUNNEL/200", "TCP_TUNNEL/2x0", StringComparison.Ordinal) + "\n"    // 4 status
            + SquidConnect.Replace("TCP_TUNNEL/200", "tunnel/200", StringComparison.Ordinal) + "\n"        // 5 result code
            + SquidConnect.Replace(" 20275 ", " many ", StringComparison.Ordinal) + "\n"                   // 6 bytes
            + SquidConnect[..40] + "\n"                                                                     // 7 truncated mid-line
            + "\n"                                                                                          // 8 blank
            + SquidCombined.Replace("26/Mar/2024", "26/Foo/2024", StringComparison.Ordinal) + "\n"         // 9 timestamp
            + SquidCombined[..180] + "\n"                                                                   // 10 user agent cut
            + SquidConnect.Replace(":443 ", ":https ", StringComparison.Ordinal) + "\n"                    // 11 port
            + SquidConnect[..60];                                                                           // 12 truncated last line
        var path = _files.Write("access.log", lines);
        var (events, log) = Read(path);
        Assert.Single(events);
        var input = log.Inputs[0];
        Assert.Equal(2, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(1, input.RejectedByReason["unparsable duration"]);
        Assert.Equal(1, input.RejectedByReason["unparsable status code"]);
        Assert.Equal(1, input.RejectedByReason["unparsable Squid result code"]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadByteCount]);
        Assert.Equal(2, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Equal(1, input.RejectedByReason["unterminated quoted value"]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal(10, input.RowsRejected);
        Assert.Equal([2L, 3L, 4L, 5L, 6L, 7L, 9L, 10L, 11L, 12L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.Contains(log.Examples, p => p.ToString().StartsWith($"{path}:12: {RowReasons.WrongColumnCount}", StringComparison.Ordinal));
    }

    [Fact]
    public void SquidSeriesEvery250SecondsKeepsTheConnectTargetAndTheSeedRuleFindsIt()
    {
        // The RITA proxy beacon as Squid would log it: a CONNECT every 250 s through the proxy.
        var start = 1672843056L;
        var lines = new StringBuilder();
        for (var i = 0; i < 20; i++)
            lines.Append($"{start + i * 250}.{i * 37 % 1000:000}    {800 + i} 10.136.0.18 TCP_TUNNEL/200 {20000 + i} CONNECT www.honestimnotevil.com:443 - HIER_DIRECT/104.21.48.1 -\n");
        var (events, _) = Read(_files.Write("access.log", lines.ToString()));

        Assert.Equal(20, events.Count);
        Assert.All(events, e => Assert.Equal("www.honestimnotevil.com", e.DestinationHost));
        Assert.All(events.Zip(events.Skip(1)), pair =>
            Assert.InRange(pair.Second.TimestampTicks - pair.First.TimestampTicks, 249 * TimeSpan.TicksPerSecond, 251 * TimeSpan.TicksPerSecond));

        // Unlike a sensor in front of the proxy, the proxy's own log names the server: the seed
        // rule groups by client, server address and port and sees the beacon.
        var channels = new WindowedChannels(SeedRule.DefaultWindow, asOf: null);
        foreach (var e in events.Where(e => SeedRule.Admits(e)))
            channels.Add(SeedRule.KeyOf(e), e);
        var row = Assert.Single(SeedRule.Evaluate(channels.Summarize(events.Max(e => e.TimestampTicks)), bytesKnown: true));
        Assert.Equal(("10.136.0.18", string.Empty, "104.21.48.1", 443), (row.DeviceName, row.InitiatingProcessFileName, row.RemoteIP, row.RemotePort));
        Assert.Equal(20, row.ConnectionCount);
        Assert.Equal(250, row.AvgInterval);
        Assert.Null(row.BytesSent);
        Assert.Equal(Enumerable.Range(0, 20).Sum(i => 20000L + i), row.BytesReceived);
    }

    [Fact]
    public void IisW3CWithPlusesInTheUserAgent()
    {
        var (events, log) = Read(_files.Write("u_ex240326.log", IisLog));
        var e = Assert.Single(events);
        Assert.Equal(new DateTime(2024, 3, 26, 9, 39, 50, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        // The server wrote the log: the device is the client that called it.
        Assert.Equal("198.51.100.23", e.DeviceName);
        Assert.Equal("198.51.100.23", e.LocalIP);
        Assert.Equal("10.0.0.5", e.RemoteIP);
        Assert.Equal("Private", e.RemoteIPType);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("POST", e.HttpMethod);
        Assert.Equal("/aspnet_client/system_web/shell.aspx?cmd=whoami", e.RemoteUrl);
        Assert.Null(e.DestinationHost);
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", e.UserAgent);
        Assert.Equal(200, e.StatusCode);
        Assert.Equal(187 * TimeSpan.TicksPerMillisecond, e.DurationTicks);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Null(e.SentBytes);
        Assert.Null(e.ReceivedBytes);
        Assert.Null(e.WebSocketUpgrade);
        Assert.Equal("Microsoft Internet Information Services 10.0", e.Observer);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal(5, e.Provenance.Line);
        Assert.Equal("W3C extended log (IIS, proxies)", log.Inputs[0].Format);
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes));
    }

    [Fact]
    public void ProxyW3CWithByteCountsAndAWebSocketUpgrade()
    {
        var (events, log) = Read(_files.Write("SG_main.log", BlueCoatLog));
        Assert.Equal(2, events.Count);

        var ws = events[0];
        Assert.Equal(new DateTime(2024, 3, 26, 10, 0, 0, DateTimeKind.Utc).Ticks, ws.TimestampTicks);
        Assert.Equal("10.1.2.3", ws.DeviceName);
        Assert.Equal("203.0.113.50", ws.RemoteIP);
        Assert.Equal("Documentation", ws.RemoteIPType);
        Assert.Equal(443, ws.RemotePort);
        Assert.Equal(611, ws.SentBytes);
        Assert.Equal(1532, ws.ReceivedBytes);
        Assert.Equal(101, ws.StatusCode);
        Assert.True(ws.WebSocketUpgrade);
        Assert.Equal("GET", ws.HttpMethod);
        Assert.Equal("https://chat.example.net/socket?v=2", ws.RemoteUrl);
        Assert.Equal("chat.example.net", ws.DestinationHost);
        // Quoted, so its spaces are real and nothing is decoded.
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", ws.UserAgent);
        Assert.Equal(31 * TimeSpan.TicksPerMillisecond, ws.DurationTicks);
        Assert.Equal("ConnectionSuccess", ws.ActionType);
        Assert.Equal("SGOS 7.3.6.1", ws.Observer);

        var denied = events[1];
        Assert.Equal("ConnectionFailed", denied.ActionType);
        Assert.Equal("CONNECT", denied.HttpMethod);
        Assert.Equal("evil.example", denied.DestinationHost);
        Assert.Equal(string.Empty, denied.RemoteIP);
        Assert.Equal(443, denied.RemotePort);
        Assert.Null(denied.UserAgent);
        Assert.False(denied.WebSocketUpgrade);
        Assert.Equal(0, denied.SentBytes);

        var provides = log.Inputs[0].Provides;
        Assert.True(provides.HasFlag(TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes | TelemetryFields.WebSocketUpgrade | SeedRule.Requires));
    }

    [Fact]
    public void TabSeparatedW3CFromForefrontTmgKeepsPlusesAndReadsRemoteFields()
    {
        var log =
            "#Software: Microsoft Forefront Threat Management Gateway 2010\n#Version: 1.0\n#Date: 2024-03-26 11:00:00\n" +
            "#Fields: c-ip\tcs-username\tc-agent\tdate\ttime\ts-computername\tr-host\tr-ip\tr-port\ttime-taken\tcs-bytes\tsc-bytes\tcs-protocol\ts-operation\tcs-uri\tsc-status\taction\n" +
            "10.1.2.3\tCONTOSO\\alice\tMozilla/5.0 (Windows NT 10.0; Win64; x64)\t2024-03-26\t11:00:01\tTMG01\tupdates.example.org\t198.51.100.7\t80\t120\t412\t5120\thttp\tGET\thttp://updates.example.org/check?id=1\t200\tAllowed\n" +
            "10.1.2.3\tCONTOSO\\alice\tcurl/8.0+x\t2024-03-26\t11:00:02\tTMG01\tevil.example\t-\t443\t15\t0\t0\tSSL-tunnel\tCONNECT\tevil.example:443\t10061\tFailed Connection Attempt\n";
        var (events, ingest) = Read(_files.Write("ISALOG_20240326_WEB_000.w3c", log));
        Assert.Equal(2, events.Count);
        Assert.Equal("198.51.100.7", events[0].RemoteIP);
        Assert.Equal(80, events[0].RemotePort);
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", events[0].UserAgent);
        Assert.Equal(412, events[0].SentBytes);
        Assert.Equal(5120, events[0].ReceivedBytes);
        Assert.Equal("updates.example.org", events[0].DestinationHost);
        Assert.Equal("ConnectionSuccess", events[0].ActionType);

        Assert.Equal("curl/8.0+x", events[1].UserAgent);
        Assert.Equal("ConnectionFailed", events[1].ActionType);
        Assert.Null(events[1].StatusCode);
        Assert.Equal("evil.example", events[1].DestinationHost);
        Assert.Equal(string.Empty, events[1].RemoteIP);
        Assert.Equal(443, events[1].RemotePort);
        Assert.Equal(0, ingest.RowsRejected);
    }

    [Theory]
    [InlineData("TCP_NC_MISS", "-", 200, "ConnectionSuccess")]
    [InlineData("TCP_TUNNELED", "-", 200, "ConnectionSuccess")]
    [InlineData("", "", 404, "ConnectionSuccess")]
    [InlineData("", "", null, "ConnectionSuccess")]
    [InlineData("TCP_DENIED", "-", 403, "ConnectionFailed")]
    [InlineData("TCP_ERR_MISS", "-", 503, "ConnectionFailed")]
    [InlineData("TCP_NC_MISS", "dns_unresolved_hostname", 503, "ConnectionFailed")]
    [InlineData("Denied Connection", "", 12202, "ConnectionFailed")]
    [InlineData("Failed Connection Attempt", "", 10061, "ConnectionFailed")]
    [InlineData("", "", 0, "ConnectionFailed")]
    public void W3CActionsAndStatusesMapToDefendersWords(string action, string exception, int? status, string expected) =>
        Assert.Equal(expected, W3CLineMapper.ActionTypeOf(action, exception, status));

    [Fact]
    public void SeveralFieldsBlocksEachReadByItsOwnFields()
    {
        var second =
            "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2024-03-26 12:00:00\n" +
            "#Fields: time c-ip cs-method cs-host cs-uri-stem cs-uri-query sc-status cs-bytes sc-bytes s-ip s-port\n" +
            "12:00:01 2001:db8::7 GET mail.contoso.com:8443 /owa/ - 302 512 1024 10.0.0.5 443\n";
        var (events, log) = Read(_files.Write("u_ex240326.log", IisLog + second));
        Assert.Equal(2, events.Count);
        Assert.Null(events[0].SentBytes);
        var e = events[1];
        // No date field in this block: the day comes from its #Date directive.
        Assert.Equal(new DateTime(2024, 3, 26, 12, 0, 1, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        Assert.Equal("2001:db8::7", e.DeviceName);
        Assert.Equal("mail.contoso.com", e.DestinationHost);
        Assert.Equal("mail.contoso.com:8443/owa/", e.RemoteUrl);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal(512, e.SentBytes);
        Assert.Equal(1024, e.ReceivedBytes);
        Assert.Null(e.UserAgent);
        Assert.Equal(10, e.Provenance.Line);
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void W3CMalformedLinesAreCountedWithTheirLines()
    {
        const string fields = "#Fields: date time c-ip cs-method cs-uri sc-status sc-bytes time-taken cs(User-Agent)\n";
        const string ok = "2024-03-26 09:00:00 10.1.2.3 GET http://a.example/ 200 100 5 \"curl/8\"";
        var lines =
            "#Software: x\n"                                                        // 1
            + "2024-03-26 08:59:59 10.1.2.3 GET http://a.example/ 200 100 5 x\n"    // 2 before #Fields
            + "#Version: 1.0\n"                                                      // 3
            + fields                                                                 // 4
            + ok + "\n"                                                              // 5 ok
            + ok.Replace("09:00:00", "9 o'clock", StringComparison.Ordinal) + "\n"   // 6 a field too many
            + ok.Replace("09:00:00", "25:00:00", StringComparison.Ordinal) + "\n"    // 7 timestamp
            + ok.Replace(" 200 ", " OK ", StringComparison.Ordinal) + "\n"           // 8 status
            + ok.Replace(" 100 ", " lots ", StringComparison.Ordinal) + "\n"         // 9 bytes
            + ok.Replace(" 5 ", " 5.5 ", StringComparison.Ordinal) + "\n"            // 10 time-taken
            + "\n"                                                                   // 11 blank
            + "#Fields: date time cs-method\n"                                       // 12 no c-ip
            + "2024-03-26 09:00:01 GET\n"                                            // 13 missing fields
            + fields                                                                 // 14
            + ok[..^4];                                                              // 15 truncated last line
        var path = _files.Write("ex.log", lines);
        var (events, log) = Read(path);
        Assert.Single(events);
        var input = log.Inputs[0];
        Assert.Equal(2, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(1, input.RejectedByReason["unparsable status code"]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadByteCount]);
        Assert.Equal(1, input.RejectedByReason["unparsable duration"]);
        Assert.Equal(1, input.RejectedByReason["missing W3C fields"]);
        Assert.Equal(1, input.RejectedByReason["unterminated quoted value"]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal([2L, 6L, 7L, 8L, 9L, 10L, 13L, 15L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.Contains(log.Examples, p => p.ToString() == $"{path}:13: missing W3C fields: #Fields lacks c-ip");
    }

    [Fact]
    public void GzipInputsAreReadLikePlainOnes()
    {
        var squid = _files.Write("logs/access.log.1.gz", SquidConnect + "\n" + SquidGet + "\n", gzip: true);
        var iis = _files.Write("logs/u_ex240326.log.gz", IisLog, gzip: true);
        var (events, log) = Read(squid, iis);
        Assert.Equal(3, events.Count);
        Assert.Equal(["Squid access.log (native)", "W3C extended log (IIS, proxies)"], log.Inputs.Select(i => i.Format));
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void EachFormatClaimsOnlyItsOwnInputs()
    {
        const string defenderCsv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,InitiatingProcessFileName\n" +
            "2023-12-21T17:33:44.663Z,laptop-7,ConnectionSuccess,172.64.149.247,443,https://sync.1rx.io,msedge.exe\n";
        const string zeekConn = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
            "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tconn_state\n1672843056.913119\t10.136.0.18\t55548\t10.136.0.16\t3128\tSF\n";
        const string defenderJson = "{\"Timestamp\":\"2023-12-21T17:33:44.663Z\",\"DeviceName\":\"laptop-7\",\"ActionType\":\"ConnectionSuccess\",\"RemoteIP\":\"1.1.1.1\",\"RemotePort\":443}\n";
        // An Apache web server's own combined log: the same shape, but no Squid result code.
        const string apacheCombined = "10.1.2.3 - - [26/Mar/2024:09:39:50 +0000] \"GET / HTTP/1.1\" 200 5120 \"-\" \"curl/8.0\"\n";

        var squid = new SquidAccessLogFormat();
        var w3c = new W3CExtendedLogFormat();
        foreach (var other in new[] { defenderCsv, zeekConn, defenderJson, apacheCombined })
        {
            var head = Encoding.UTF8.GetBytes(other);
            Assert.False(squid.Recognizes(head), other);
            Assert.False(w3c.Recognizes(head), other);
        }
        foreach (var mine in new[] { SquidConnect, SquidGet, SquidCombined, IisLog, BlueCoatLog })
        {
            var head = Encoding.UTF8.GetBytes(mine + "\n");
            Assert.All(TelemetryReader.DefaultFormats.Where(f => f is not SquidAccessLogFormat and not W3CExtendedLogFormat),
                f => Assert.False(f.Recognizes(head), $"{f.Name} claims {mine}"));
            Assert.NotEqual(squid.Recognizes(head), w3c.Recognizes(head));
        }

        var (_, log) = Read(
            _files.Write("a.csv", defenderCsv), _files.Write("conn.log", zeekConn), _files.Write("access.log", SquidCombined + "\n"),
            _files.Write("ex.log", BlueCoatLog));
        Assert.Equal(
            ["Defender DeviceNetworkEvents CSV", "Zeek conn log (TSV)", "Squid access.log (combined)", "W3C extended log (IIS, proxies)"],
            log.Inputs.Select(i => i.Format));
        Assert.Throws<UnreadableInputException>(() => Read(_files.Write("apache.log", apacheCombined)));
    }

    [Theory]
    [InlineData("CONNECT", "www.example.com:443", "www.example.com", 443)]
    [InlineData("CONNECT", "www.example.com", "www.example.com", 443)]
    [InlineData("CONNECT", "[2001:db8::1]:8443", "2001:db8::1", 8443)]
    [InlineData("GET", "http://user:pw@a.example:8080/x?y", "a.example", 8080)]
    [InlineData("GET", "HTTPS://a.example/", "a.example", 443)]
    [InlineData("GET", "ftp://a.example/f", "a.example", 21)]
    [InlineData("GET", "gopher://a.example/", "a.example", -1)]
    [InlineData("GET", "/origin/form", "", -1)]
    [InlineData("NONE", "error:invalid-request", "", -1)]
    [InlineData("GET", "-", "", -1)]
    public void TargetsOfConnectAndUrls(string method, string url, string host, int port)
    {
        Assert.True(HttpTarget.TryParse(method, url, out var h, out var p));
        Assert.Equal(host, h.ToString());
        Assert.Equal(port, p);
    }

    [Theory]
    [InlineData("CONNECT", "a.example:https")]
    [InlineData("GET", "http://a.example:99999/")]
    public void UnparsablePortsAreRefused(string method, string url) =>
        Assert.False(HttpTarget.TryParse(method, url, out _, out _));

    [Theory]
    [InlineData("26/Mar/2024:09:39:50 +0000", 2024, 3, 26, 9, 39, 50)]
    [InlineData("01/Jan/2024:00:30:00 +0100", 2023, 12, 31, 23, 30, 0)]
    [InlineData("29/Feb/2024:23:00:00 -0530", 2024, 3, 1, 4, 30, 0)]
    public void SquidLocalTimeIsReadToUtc(string text, int y, int mo, int d, int h, int mi, int s)
    {
        Assert.True(SquidLineMapper.TryParseLocalTime(text, out var ticks));
        Assert.Equal(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc).Ticks, ticks);
    }

    [Theory]
    [InlineData("30/Feb/2024:09:39:50 +0000")]
    [InlineData("26/mar/2024:09:39:50 +0000")]
    [InlineData("26/Mar/2024:09:39:50")]
    [InlineData("26/Mar/2024 09:39:50 +0000")]
    public void SquidLocalTimeRefusesOtherShapes(string text) =>
        Assert.False(SquidLineMapper.TryParseLocalTime(text, out _));

    public void Dispose() => _files.Dispose();
}
