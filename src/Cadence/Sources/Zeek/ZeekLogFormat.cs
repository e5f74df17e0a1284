using System.Globalization;
using System.Text;
using Cadence.Telemetry;

namespace Cadence.Sources.Zeek;

/// <summary>
/// Zeek's conn.log, http.log and ssl.log in the native TSV form, gzip or not, rotated names and
/// all (recognized from the #separator header, never from the name). http and ssl records are
/// linked to their connection by uid: the conn record gives time, addresses, bytes, duration and
/// state; the first HTTP request gives the CONNECT target or Host, URL, method, user agent and
/// status; the TLS handshake gives the server name and JA3/JA3S.
/// </summary>
public sealed class ZeekLogFormat : ITelemetryFormat
{
    private const string HeldNote = "http/ssl records held to enrich their conn.log record (linked by uid)";
    private const string UnlinkedNote = "http/ssl records no conn.log record claimed: read as events of their own";

    public string Name => "Zeek conn/http/ssl log (TSV)";

    public TelemetryFields MayProvide => Provides("conn") | Provides("http") | Provides("ssl");

    public bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("#separator "u8);

    public int ReadOrder(ReadOnlySpan<byte> head)
    {
        var path = PathOf(head);
        return path is "http" or "ssl" ? -1 : 0;
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var log = new ZeekTsvLog(text);
        var links = context.StateOf<ZeekLinks>();
        var pool = context.Pool;
        InputIngest? ingest = null;
        ZeekColumns? columns = null;
        log.FieldsChanged += () => columns = new ZeekColumns(log.Fields);
        var addressTypes = new Dictionary<string, string>(StringComparer.Ordinal);

        while (log.TryReadRecord(out var values))
        {
            var line = log.LineNumber;
            ingest ??= context.Log.Begin(input, $"Zeek {log.Path} log (TSV)", Provides(log.Path));
            if (columns is null)
            {
                ingest.Reject(line, RowReasons.WrongColumnCount, "a record before any #fields header");
                continue;
            }
            if (columns.Missing(log.Path) is { } missing)
            {
                ingest.Reject(line, "missing Zeek fields", $"#fields lacks {missing}");
                continue;
            }
            if (values.Length != columns.Count)
            {
                ingest.Reject(line, RowReasons.WrongColumnCount, $"{values.Length} fields, #fields has {columns.Count}");
                continue;
            }

            var provenance = new Provenance(input, line);
            switch (log.Path)
            {
                case "conn":
                    var outcome = MapConn(values, columns, log, links, pool, addressTypes, provenance);
                    if (outcome.Account(ingest))
                        yield return outcome.Event;
                    break;
                case "http":
                case "ssl":
                    if (Hold(log.Path, values, columns, log, links, provenance, out var problem))
                        ingest.Note(HeldNote);
                    else
                        ingest.Reject(line, problem.Reason, problem.Detail);
                    break;
                default:
                    ingest.Skip(line, $"Zeek {log.Path} log: not a connection, HTTP or TLS record", "only conn, http and ssl logs carry what Cadence analyses");
                    break;
            }
        }
        ingest ??= context.Log.Begin(input, "Zeek log (TSV)", TelemetryFields.None);
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context)
    {
        // Records whose connection was not among the inputs (an http.log without its conn.log)
        // still stand on their own, with what they carry.
        var links = context.StateOf<ZeekLinks>();
        var pool = context.Pool;
        var ingests = context.Log.Inputs.ToDictionary(i => i.Input);
        foreach (var http in links.Http.Values.OrderBy(h => h.TimestampTicks))
        {
            Count(ingests, http.Provenance, http.TimestampTicks);
            yield return new NetworkEvent
            {
                TimestampTicks = http.TimestampTicks,
                DeviceName = pool.Intern(http.OrigHost),
                ActionType = "HttpConnectionInspected",
                RemoteIP = pool.Intern(http.RespHost),
                RemotePort = http.RespPort,
                RemoteIPType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(http.RespHost)),
                InitiatingProcessFileName = string.Empty,
                LocalIP = http.OrigHost,
                LocalPort = http.OrigPort,
                DestinationHost = http.DestinationHost,
                RemoteUrl = http.Url,
                HttpMethod = http.Method,
                UserAgent = http.UserAgent,
                StatusCode = http.StatusCode,
                Provenance = http.Provenance,
            };
        }
        foreach (var ssl in links.Ssl.Values.OrderBy(s => s.TimestampTicks))
        {
            Count(ingests, ssl.Provenance, ssl.TimestampTicks);
            yield return new NetworkEvent
            {
                TimestampTicks = ssl.TimestampTicks,
                DeviceName = pool.Intern(ssl.OrigHost),
                ActionType = "SslConnectionInspected",
                RemoteIP = pool.Intern(ssl.RespHost),
                RemotePort = ssl.RespPort,
                RemoteIPType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(ssl.RespHost)),
                InitiatingProcessFileName = string.Empty,
                LocalIP = ssl.OrigHost,
                LocalPort = ssl.OrigPort,
                DestinationHost = ssl.ServerName,
                Ja3 = ssl.Ja3,
                Ja3s = ssl.Ja3s,
                Provenance = ssl.Provenance,
            };
        }
        links.Http.Clear();
        links.Ssl.Clear();
    }

    private static void Count(Dictionary<InputFile, InputIngest> ingests, Provenance provenance, long ticks)
    {
        if (!ingests.TryGetValue(provenance.Input, out var ingest))
            return;
        ingest.CountEvent(ticks);
        ingest.Note(UnlinkedNote);
    }

    private static RowOutcome MapConn(string[] values, ZeekColumns c, ZeekTsvLog log, ZeekLinks links, Sources.Internals.StringPool pool,
        Dictionary<string, string> addressTypes, Provenance provenance)
    {
        var line = provenance.Line;
        if (!ZeekTime.TryParseEpoch(values[c.Ts], out var ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"ts '{Clip(values[c.Ts])}'");
        if (!TryPort(log.Value(values[c.RespPort]), out var respPort) || !TryPort(log.Value(values[c.OrigPort]), out var origPort))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"id.orig_p '{Clip(values[c.OrigPort])}', id.resp_p '{Clip(values[c.RespPort])}'");
        if (!TryCount(Field(values, c.OrigBytes, log), out var sent) || !TryCount(Field(values, c.RespBytes, log), out var received))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, $"orig_bytes '{Clip(Field(values, c.OrigBytes, log) ?? "-")}', resp_bytes '{Clip(Field(values, c.RespBytes, log) ?? "-")}'");
        long? duration = null;
        if (Field(values, c.Duration, log) is { } durationText)
        {
            if (!ZeekTime.TryParseSeconds(durationText, out var d))
                return RowOutcome.Rejected(line, "unparsable duration", $"duration '{Clip(durationText)}'");
            duration = d;
        }

        var origHost = log.Value(values[c.OrigHost]) ?? string.Empty;
        var respHost = log.Value(values[c.RespHost]) ?? string.Empty;
        var state = Field(values, c.ConnState, log);
        var uid = Field(values, c.Uid, log);
        var (http, ssl) = uid is null ? (null, null) : links.Claim(uid);
        if (!addressTypes.TryGetValue(respHost, out var addressType))
            addressTypes[respHost] = addressType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(respHost));

        return RowOutcome.Read(new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = pool.Intern(origHost),
            ActionType = ActionTypeOf(state),
            RemoteIP = pool.Intern(respHost),
            RemotePort = respPort ?? -1,
            RemoteIPType = addressType,
            InitiatingProcessFileName = string.Empty,
            LocalIP = pool.Intern(origHost),
            LocalPort = origPort,
            Protocol = Field(values, c.Proto, log) is { } proto ? pool.Intern(proto) : null,
            DurationTicks = duration,
            ConnectionState = state is null ? null : pool.Intern(state),
            SentBytes = sent,
            ReceivedBytes = received,
            DestinationHost = http?.DestinationHost ?? ssl?.ServerName,
            RemoteUrl = http?.Url,
            HttpMethod = http?.Method,
            UserAgent = http?.UserAgent,
            StatusCode = http?.StatusCode,
            Ja3 = ssl?.Ja3,
            Ja3s = ssl?.Ja3s,
            Provenance = provenance,
        });
    }

    private static bool Hold(string path, string[] values, ZeekColumns c, ZeekTsvLog log, ZeekLinks links, Provenance provenance,
        out (string Reason, string Detail) problem)
    {
        problem = default;
        if (!ZeekTime.TryParseEpoch(values[c.Ts], out var ticks))
        {
            problem = (RowReasons.BadTimestamp, $"ts '{Clip(values[c.Ts])}'");
            return false;
        }
        if (!TryPort(log.Value(values[c.RespPort]), out var respPort) || !TryPort(log.Value(values[c.OrigPort]), out var origPort))
        {
            problem = (RowReasons.BadPort, $"id.orig_p '{Clip(values[c.OrigPort])}', id.resp_p '{Clip(values[c.RespPort])}'");
            return false;
        }
        var uid = Field(values, c.Uid, log) ?? $"(no uid) {provenance}";
        var origHost = log.Value(values[c.OrigHost]) ?? string.Empty;
        var respHost = log.Value(values[c.RespHost]) ?? string.Empty;
        if (path == "http")
        {
            int? status = null;
            if (c.StatusCode >= 0 && log.Value(values[c.StatusCode]) is { } statusText)
            {
                if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                {
                    problem = ("unparsable status code", $"status_code '{Clip(statusText)}'");
                    return false;
                }
                status = s;
            }
            links.AddHttp(uid, new ZeekHttp(ticks, origHost, origPort ?? -1, respHost, respPort ?? -1,
                Field(values, c.Method, log), Field(values, c.Host, log), Field(values, c.Uri, log),
                Field(values, c.UserAgent, log), status, provenance));
        }
        else
        {
            links.AddSsl(uid, new ZeekSsl(ticks, origHost, origPort ?? -1, respHost, respPort ?? -1,
                Field(values, c.ServerName, log), Field(values, c.Ja3, log), Field(values, c.Ja3s, log), provenance));
        }
        return true;
    }

    /// <summary>Defender's words for Zeek's connection states, so the seed rule's ActionType filter means the same thing.</summary>
    internal static string ActionTypeOf(string? connState) => connState switch
    {
        // A completed handshake: normal close (SF), still open (S1), half-closed (S2, S3), reset after it (RSTO, RSTR).
        "SF" or "S1" or "S2" or "S3" or "RSTO" or "RSTR" => "ConnectionSuccess",
        // No handshake: no reply (S0), rejected (REJ), reset before it (RSTOS0, RSTRH), no SYN-ACK (SH, SHR).
        "S0" or "REJ" or "RSTOS0" or "RSTRH" or "SH" or "SHR" => "ConnectionFailed",
        // Midstream traffic with no handshake seen (OTH), or no state logged: the connection existed.
        _ => "ConnectionFound",
    };

    private static TelemetryFields Provides(string path)
    {
        const TelemetryFields common = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
            | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType | TelemetryFields.LocalIP | TelemetryFields.LocalPort;
        return path switch
        {
            "conn" => common | TelemetryFields.Protocol | TelemetryFields.Duration | TelemetryFields.ConnectionState
                | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes,
            "http" => common | TelemetryFields.DestinationHost | TelemetryFields.RemoteUrl | TelemetryFields.HttpMethod
                | TelemetryFields.UserAgent | TelemetryFields.StatusCode,
            "ssl" => common | TelemetryFields.DestinationHost | TelemetryFields.Ja3 | TelemetryFields.Ja3s,
            _ => TelemetryFields.None,
        };
    }

    private static string? Field(string[] values, int index, ZeekTsvLog log) => index >= 0 ? log.Value(values[index]) : null;

    private static bool TryPort(string? text, out int? port)
    {
        port = null;
        if (text is null)
            return true;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p > 65535)
            return false;
        port = p;
        return true;
    }

    private static bool TryCount(string? text, out long? count)
    {
        count = null;
        if (text is null)
            return true;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        count = n;
        return true;
    }

    private static string? PathOf(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 4096)]);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("#path", StringComparison.Ordinal))
                return line[5..].Trim();
        }
        return null;
    }

    private static string Clip(string value) => Defender.DefenderRowMapper.Clip(value);

    /// <summary>Where each field Cadence reads sits in the current #fields line; -1 when absent.</summary>
    private sealed class ZeekColumns
    {
        public ZeekColumns(IReadOnlyList<string> fields)
        {
            Count = fields.Count;
            int Find(string name)
            {
                for (var i = 0; i < fields.Count; i++)
                {
                    if (fields[i] == name)
                        return i;
                }
                return -1;
            }
            Ts = Find("ts");
            Uid = Find("uid");
            OrigHost = Find("id.orig_h");
            OrigPort = Find("id.orig_p");
            RespHost = Find("id.resp_h");
            RespPort = Find("id.resp_p");
            Proto = Find("proto");
            Duration = Find("duration");
            OrigBytes = Find("orig_bytes");
            RespBytes = Find("resp_bytes");
            ConnState = Find("conn_state");
            Method = Find("method");
            Host = Find("host");
            Uri = Find("uri");
            UserAgent = Find("user_agent");
            StatusCode = Find("status_code");
            ServerName = Find("server_name");
            Ja3 = Find("ja3");
            Ja3s = Find("ja3s");
        }

        public int Count { get; }

        /// <summary>The fields a record of this log cannot do without, when the header lacks any.</summary>
        public string? Missing(string path)
        {
            if (path is not ("conn" or "http" or "ssl"))
                return null;
            var missing = new List<string>();
            if (Ts < 0) missing.Add("ts");
            if (OrigHost < 0) missing.Add("id.orig_h");
            if (OrigPort < 0) missing.Add("id.orig_p");
            if (RespHost < 0) missing.Add("id.resp_h");
            if (RespPort < 0) missing.Add("id.resp_p");
            return missing.Count == 0 ? null : string.Join(", ", missing);
        }

        public int Ts { get; }
        public int Uid { get; }
        public int OrigHost { get; }
        public int OrigPort { get; }
        public int RespHost { get; }
        public int RespPort { get; }
        public int Proto { get; }
        public int Duration { get; }
        public int OrigBytes { get; }
        public int RespBytes { get; }
        public int ConnState { get; }
        public int Method { get; }
        public int Host { get; }
        public int Uri { get; }
        public int UserAgent { get; }
        public int StatusCode { get; }
        public int ServerName { get; }
        public int Ja3 { get; }
        public int Ja3s { get; }
    }
}
