using System.Text;

namespace Cadence.Simulation;

/// <summary>
/// Zeek TSV logs as a sensor on the office uplink writes them: conn.log for every connection,
/// http.log for each plain-HTTP request and ssl.log for each TLS handshake (with the ja3 and ja3s
/// columns the JA3 package adds), linked by uid, each with Zeek's full header and trailer.
/// The device is its private address; Zeek knows no process.
/// </summary>
/// <remarks>
/// Each log is sorted by ts. conn.log's ts is the connection's start (Zeek writes a record when
/// the connection ends, so a real conn.log is only roughly sorted); http and ssl records follow
/// their connection's start by a few milliseconds.
/// </remarks>
internal sealed class ZeekTsvWriter : IFleetWriter
{
    public const string ConnFileName = "conn.log";
    public const string HttpFileName = "http.log";
    public const string SslFileName = "ssl.log";

    private const string ConnFields =
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";

    private const string ConnTypes =
        "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

    private const string HttpFields =
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types";

    private const string HttpTypes =
        "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]";

    private const string SslFields =
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tcert_chain_fuids\tclient_cert_chain_fuids\tsubject\tissuer\tclient_subject\tclient_issuer\tvalidation_status\tja3\tja3s";

    private const string SslTypes =
        "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tvector[string]\tvector[string]\tstring\tstring\tstring\tstring\tstring\tstring\tstring";

    // Zeek's uids: 'C' and base62 characters.
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private readonly StreamWriter _conn;
    private readonly StreamWriter _http;
    private readonly StreamWriter _ssl;
    private readonly ReorderBuffer _httpRows;
    private readonly ReorderBuffer _sslRows;
    private readonly SimulationRandom _random;
    private readonly long _end;
    private readonly StringBuilder _line = new(512);
    private long _connRows;

    public ZeekTsvWriter(string connPath, string httpPath, string sslPath, long seed, long start, long end)
    {
        _end = end;
        _random = SimulationRandom.For(seed, -2, 0);
        _conn = Open(connPath, "conn", ConnFields, ConnTypes, start);
        _http = Open(httpPath, "http", HttpFields, HttpTypes, start);
        _ssl = Open(sslPath, "ssl", SslFields, SslTypes, start);
        _httpRows = new ReorderBuffer(_http);
        _sslRows = new ReorderBuffer(_ssl);
    }

    public IReadOnlyList<(string Name, long Rows)> Counts =>
        [(ConnFileName, _connRows), (HttpFileName, _httpRows.Rows), (SslFileName, _sslRows.Rows)];

    private static StreamWriter Open(string path, string logPath, string fields, string types, long start)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16) { NewLine = "\n" };
        writer.Write($"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{logPath}\n#open\t{SimulationText.ZeekStamp(start)}\n#fields\t{fields}\n#types\t{types}\n");
        return writer;
    }

    public void Write(SimulatedConnection c)
    {
        _httpRows.FlushUpTo(c.Ticks);
        _sslRows.FlushUpTo(c.Ticks);
        var uid = Uid();
        var line = _line.Clear();
        SimulationText.ZeekTime(line, c.Ticks);
        Endpoints(line.Append('\t').Append(uid), c).Append("\ttcp\t");
        if (c.Outcome == ConnectionOutcome.Success)
        {
            line.Append(c.Tls is not null ? "ssl" : "http").Append('\t');
            SimulationText.Seconds(line, c.DurationTicks);
            var seconds = c.DurationTicks / (double)TimeSpan.TicksPerSecond;
            // Segments of up to 1448 payload bytes, the handshake and teardown, and for long
            // connections a keep-alive or heartbeat every 30 s; 52 bytes of IP and TCP header each.
            var origPackets = 4 + c.SentBytes / 1448 + (long)(seconds / 30);
            var respPackets = 3 + c.ReceivedBytes / 1448 + (long)(seconds / 30);
            line.Append('\t').Number(c.SentBytes).Append('\t').Number(c.ReceivedBytes)
                .Append("\tSF\tT\tF\t0\tShADadFf\t").Number(origPackets).Append('\t').Number(c.SentBytes + 52 * origPackets)
                .Append('\t').Number(respPackets).Append('\t').Number(c.ReceivedBytes + 52 * respPackets);
        }
        else if (c.Outcome == ConnectionOutcome.Failed)
        {
            line.Append("-\t");
            SimulationText.Seconds(line, c.DurationTicks);
            line.Append("\t0\t0\tREJ\tT\tF\t0\tSr\t1\t52\t1\t40");
        }
        else
        {
            line.Append("-\t");
            SimulationText.Seconds(line, c.DurationTicks);
            line.Append("\t0\t0\tS0\tT\tF\t0\tS\t3\t156\t0\t0");
        }
        line.Append("\t-\n");
        _conn.Write(line);
        _connRows++;
        if (c.Outcome != ConnectionOutcome.Success)
            return;

        // The request follows the handshake; the ServerHello the ClientHello: a round trip or two in.
        var at = Math.Min(c.Ticks + c.DurationTicks, c.Ticks + ChannelGenerator.Microseconds(ChannelGenerator.Ticks(_random.Uniform(0.005, 0.06))));
        if (c.Http is { } http)
            _httpRows.Add(at, HttpRow(c, http, at, uid));
        else if (c.Tls is { } tls)
            _sslRows.Add(at, SslRow(c, tls, at, uid));
    }

    private string HttpRow(SimulatedConnection c, HttpExchange http, long ticks, string uid)
    {
        var line = _line.Clear();
        SimulationText.ZeekTime(line, ticks);
        Endpoints(line.Append('\t').Append(uid), c).Append("\t1\t");
        SimulationText.Zeek(line, http.Method);
        line.Append('\t');
        SimulationText.Zeek(line, http.Host);
        line.Append('\t');
        SimulationText.Zeek(line, http.Uri);
        line.Append("\t-\t1.1\t");
        SimulationText.Zeek(line, http.UserAgent);
        line.Append("\t-\t").Number(http.RequestBodyLength).Append('\t').Number(http.ResponseBodyLength)
            .Append('\t').Number(http.StatusCode).Append('\t');
        SimulationText.Zeek(line, http.StatusMessage);
        line.Append("\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
        return line.ToString();
    }

    private string SslRow(SimulatedConnection c, TlsHandshake tls, long ticks, string uid)
    {
        var line = _line.Clear();
        SimulationText.ZeekTime(line, ticks);
        Endpoints(line.Append('\t').Append(uid), c).Append('\t');
        line.Append(tls.Client.Version).Append('\t').Append(tls.Client.Cipher).Append("\tx25519\t");
        SimulationText.Zeek(line, tls.ServerName);
        line.Append('\t').Append(tls.Resumed ? 'T' : 'F').Append("\t-\t");
        SimulationText.Zeek(line, tls.Client.NextProtocol);
        line.Append("\tT\t-\t-\t-\t-\t-\t-\t-\t").Append(tls.Ja3).Append('\t').Append(tls.Ja3s).Append('\n');
        return line.ToString();
    }

    private static StringBuilder Endpoints(StringBuilder line, SimulatedConnection c) =>
        line.Append('\t').Append(c.Device.IPAddress).Append('\t').Number(c.LocalPort)
            .Append('\t').Append(c.RemoteIP).Append('\t').Number(c.RemotePort);

    private string Uid()
    {
        Span<char> chars = stackalloc char[17];
        chars[0] = 'C';
        for (var i = 1; i < chars.Length; i++)
            chars[i] = Base62[(int)(_random.NextUInt64() % 62)];
        return new string(chars);
    }

    public void Complete()
    {
        _httpRows.FlushAll();
        _sslRows.FlushAll();
        var close = $"#close\t{SimulationText.ZeekStamp(_end)}\n";
        foreach (var writer in new[] { _conn, _http, _ssl })
        {
            writer.Write(close);
            writer.Flush();
        }
    }

    public void Dispose()
    {
        _conn.Dispose();
        _http.Dispose();
        _ssl.Dispose();
    }
}
