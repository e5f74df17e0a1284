using System.Globalization;
using System.Runtime.CompilerServices;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Zeek;

/// <summary>The Zeek fields Cadence reads, whichever log they come from.</summary>
internal enum ZeekField
{
    Ts,
    Uid,
    OrigHost,
    OrigPort,
    RespHost,
    RespPort,
    Proto,
    Duration,
    OrigBytes,
    RespBytes,
    ConnState,
    Method,
    Host,
    Uri,
    UserAgent,
    StatusCode,
    ServerName,
    Ja3,
    Ja3s,
    OrigIpBytes,
}

/// <summary>Which Zeek log a record belongs to, as far as Cadence cares.</summary>
internal enum ZeekLogKind
{
    Other,
    Conn,
    Http,
    Ssl,

    /// <summary>
    /// A connection logged while still open: conn_long.log (corelight/zeek-long-connections) or
    /// open_conn.log (activecm/zeek-open-connections), conn.log's fields with the duration so far.
    /// </summary>
    OpenConn,
}

internal static class ZeekFields
{
    public const int Count = 20;

    /// <summary>Why a record of another log is skipped.</summary>
    public const string OtherLogDetail = "only conn, conn_long, open_conn, http and ssl logs carry what Cadence analyses";

    /// <summary>Zeek's names, by <see cref="ZeekField"/>.</summary>
    public static readonly string[] Names =
    [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "orig_bytes", "resp_bytes",
        "conn_state", "method", "host", "uri", "user_agent", "status_code", "server_name", "ja3", "ja3s", "orig_ip_bytes",
    ];

    public static ZeekLogKind KindOf(ReadOnlySpan<char> path) => path switch
    {
        "conn" => ZeekLogKind.Conn,
        "http" => ZeekLogKind.Http,
        "ssl" => ZeekLogKind.Ssl,
        "conn_long" or "open_conn" => ZeekLogKind.OpenConn,
        _ => ZeekLogKind.Other,
    };

    /// <summary>The normalized fields records of one log carry.</summary>
    public static TelemetryFields Provides(ZeekLogKind kind)
    {
        const TelemetryFields common = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
            | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType | TelemetryFields.LocalIP | TelemetryFields.LocalPort;
        return kind switch
        {
            ZeekLogKind.Conn or ZeekLogKind.OpenConn => common | TelemetryFields.Protocol | TelemetryFields.Duration | TelemetryFields.ConnectionState
                | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes | TelemetryFields.SentIpBytes,
            ZeekLogKind.Http => common | TelemetryFields.DestinationHost | TelemetryFields.RemoteUrl | TelemetryFields.HttpMethod
                | TelemetryFields.UserAgent | TelemetryFields.StatusCode | TelemetryFields.WebSocketUpgrade,
            ZeekLogKind.Ssl => common | TelemetryFields.DestinationHost | TelemetryFields.Ja3 | TelemetryFields.Ja3s,
            _ => TelemetryFields.None,
        };
    }
}

/// <summary>One Zeek record, whatever file form carried it (a TSV line or a JSON object).</summary>
internal interface IZeekRecord
{
    /// <summary>
    /// The field's value as logged: false when the record lacks the field or leaves it unset; an
    /// empty value (TSV's "(empty)") is an empty span. Escapes are already decoded, and time and
    /// interval values are epoch seconds with at most 7 decimals (the form <see cref="ZeekTime"/> reads),
    /// or an ISO 8601 string.
    /// </summary>
    bool TryGet(ZeekField field, out ReadOnlySpan<char> value);
}

/// <summary>
/// Turns Zeek records into normalized events, one mapping for every file form, so TSV and JSON
/// lines of the same log give the same events. A conn record becomes an event and claims the
/// http and ssl records held for its uid; http and ssl records are held until then.
/// </summary>
/// <remarks>
/// One instance per reading thread: its tables intern the values records repeat and keep each
/// responder's address class beside it (see <see cref="ZeekValueTable"/>).
/// </remarks>
internal sealed class ZeekRecordMapper(ZeekLinks links, InputFile input)
{
    private readonly ZeekValueTable _originators = new(_ => null);
    private readonly ZeekValueTable _responders = new(ClassOf);
    private readonly ZeekValueTable _protocols = new(_ => null, repeats: true);
    private readonly ZeekValueTable _states = new(_ => null, repeats: true);
    private readonly int _inputOrder = links.OrderOf(input);

    public InputFile Input { get; } = input;

    /// <summary>Why the record last refused by <see cref="TryMapConn"/> was refused.</summary>
    public RowOutcome Problem { get; private set; }

    /// <summary>
    /// Maps a conn record and hands the event to <paramref name="sink"/>; false, with
    /// <see cref="Problem"/> set, when the record is malformed.
    /// </summary>
    /// <remarks>
    /// The event goes to the sink from this frame (by reference) rather than out to the caller,
    /// and every refusal is built in a helper of its own: with them inline, zeroing this method's
    /// stack frame (event copies, outcomes, interpolated details) took most of its time.
    /// </remarks>
    public bool TryMapConn<TRecord>(TRecord record, long line, IEventSink sink, out long ticks)
        where TRecord : IZeekRecord, allows ref struct
    {
        if (!record.TryGet(ZeekField.Ts, out var tsText) || !ZeekTime.TryParseEpoch(tsText, out ticks))
        {
            if (!TryIsoTime(record, out ticks))
                return RefuseTimestamp(record, line);
        }
        if (!TryPort(record, ZeekField.RespPort, out var respPort) || !TryPort(record, ZeekField.OrigPort, out var origPort))
            return RefuseNumbers(record, line, RowReasons.BadPort, ZeekField.OrigPort, ZeekField.RespPort);
        if (!TryCount(record, ZeekField.OrigBytes, out var sent) || !TryCount(record, ZeekField.RespBytes, out var received))
            return RefuseNumbers(record, line, RowReasons.BadByteCount, ZeekField.OrigBytes, ZeekField.RespBytes);
        if (!TryCount(record, ZeekField.OrigIpBytes, out var sentIp))
            return RefuseNumbers(record, line, RowReasons.BadByteCount, ZeekField.OrigIpBytes, ZeekField.OrigIpBytes);
        long? duration = null;
        if (record.TryGet(ZeekField.Duration, out var durationText))
        {
            if (!ZeekTime.TryParseSeconds(durationText, out var d))
                return RefuseDuration(record, line);
            duration = d;
        }

        // The responder first: its table gives the address class the preview needs.
        record.TryGet(ZeekField.RespHost, out var respHostText);
        var respHost = _responders.Intern(respHostText, out var addressType);
        var hasState = record.TryGet(ZeekField.ConnState, out var stateText);
        var reads = EveryField;
        // A record whose uid may claim held http or ssl records is always built: the claim must happen.
        if (links.IsEmpty && sink is IScopedEventSink scoped)
        {
            if (!Wants(scoped, ticks, stateText, hasState, respPort, addressType!, line))
                return true;
            reads = scoped.Reads;
        }

        record.TryGet(ZeekField.OrigHost, out var origHostText);
        var origHost = _originators.Intern(origHostText);
        string? state = hasState && (reads & TelemetryFields.ConnectionState) != 0 ? _states.Intern(stateText) : null;
        string? proto = (reads & TelemetryFields.Protocol) != 0 && record.TryGet(ZeekField.Proto, out var protoText) ? _protocols.Intern(protoText) : null;

        // Most runs have no http or ssl records waiting: then the uid is not even looked at.
        if (!links.IsEmpty && record.TryGet(ZeekField.Uid, out var uid))
        {
            var (http, ssl) = links.Claim(uid);
            if (http is not null || ssl is not null)
            {
                DeliverLinked(sink, http, ssl, new NetworkEvent
                {
                    TimestampTicks = ticks, DeviceName = origHost, ActionType = ActionTypeOf(stateText, hasState),
                    RemoteIP = respHost, RemotePort = respPort, RemoteIPType = addressType!, InitiatingProcessFileName = string.Empty,
                    LocalIP = origHost, LocalPort = origPort < 0 ? null : origPort, Protocol = proto, DurationTicks = duration,
                    ConnectionState = state, SentBytes = sent < 0 ? null : sent, ReceivedBytes = received < 0 ? null : received,
                    SentIpBytes = sentIp < 0 ? null : sentIp, Provenance = new Provenance(Input, line),
                });
                return true;
            }
        }

        var e = new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = origHost,
            ActionType = ActionTypeOf(stateText, hasState),
            RemoteIP = respHost,
            RemotePort = respPort,
            RemoteIPType = addressType!,
            InitiatingProcessFileName = string.Empty,
            LocalIP = origHost,
            LocalPort = origPort < 0 ? null : origPort,
            Protocol = proto,
            DurationTicks = duration,
            ConnectionState = state,
            SentBytes = sent < 0 ? null : sent,
            ReceivedBytes = received < 0 ? null : received,
            SentIpBytes = sentIp < 0 ? null : sentIp,
            Provenance = new Provenance(Input, line),
        };
        sink.Accept(in e);
        return true;
    }

    // What a sink that does not say what it reads gets: every field the record carries.
    private const TelemetryFields EveryField = (TelemetryFields)~0;

    /// <summary>
    /// Asks a scoped sink (see <see cref="IScopedEventSink"/>) about the record from the fields it
    /// decides on, the rest empty. The preview is built and passed by reference in this frame:
    /// returned by value, it was copied out field by field with GC write barriers (1.6 % of a run).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Wants(IScopedEventSink sink, long ticks, ReadOnlySpan<char> stateText, bool hasState, int respPort, string addressType, long line)
    {
        var preview = new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = string.Empty,
            ActionType = ActionTypeOf(stateText, hasState),
            RemoteIP = string.Empty,
            RemotePort = respPort,
            RemoteIPType = addressType,
            InitiatingProcessFileName = string.Empty,
            Provenance = new Provenance(Input, line),
        };
        return sink.Wants(in preview);
    }

    /// <summary>A connection with what its http and ssl records add.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DeliverLinked(IEventSink sink, ZeekHttp? http, ZeekSsl? ssl, NetworkEvent connection)
    {
        var e = connection with
        {
            DestinationHost = http?.DestinationHost ?? ssl?.ServerName,
            RemoteUrl = http?.Url,
            HttpMethod = http?.Method,
            UserAgent = http?.UserAgent,
            StatusCode = http?.StatusCode,
            WebSocketUpgrade = http?.WebSocketUpgrade,
            Ja3 = ssl?.Ja3,
            Ja3s = ssl?.Ja3s,
        };
        sink.Accept(in e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefuseTimestamp<TRecord>(TRecord record, long line) where TRecord : IZeekRecord, allows ref struct
    {
        Problem = RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"ts '{Clip(Raw(record, ZeekField.Ts))}'");
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefuseNumbers<TRecord>(TRecord record, long line, string reason, ZeekField first, ZeekField second)
        where TRecord : IZeekRecord, allows ref struct
    {
        Problem = Rejected(line, reason, record, first, second);
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RefuseDuration<TRecord>(TRecord record, long line) where TRecord : IZeekRecord, allows ref struct
    {
        Problem = RowOutcome.Rejected(line, "unparsable duration", $"duration '{Clip(Raw(record, ZeekField.Duration))}'");
        return false;
    }

    /// <summary>JSON's TS_ISO8601 form of ts; off the hot path, which reads epoch seconds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryIsoTime<TRecord>(TRecord record, out long ticks) where TRecord : IZeekRecord, allows ref struct
    {
        ticks = 0;
        return record.TryGet(ZeekField.Ts, out var text) && text.Length >= 19 && text[4] == '-' && IsoTimestamp.TryParseUtcTicks(text, out ticks);
    }

    /// <summary>Holds an http or ssl record for its connection; a rejected outcome when it is malformed, else null.</summary>
    public RowOutcome? Hold<TRecord>(ZeekLogKind kind, TRecord record, long line) where TRecord : IZeekRecord, allows ref struct
    {
        if (!(record.TryGet(ZeekField.Ts, out var tsText) && ZeekTime.TryParseEpoch(tsText, out var ticks)) && !TryIsoTime(record, out ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"ts '{Clip(Raw(record, ZeekField.Ts))}'");
        if (!TryPort(record, ZeekField.RespPort, out var respPort) || !TryPort(record, ZeekField.OrigPort, out var origPort))
            return Rejected(line, RowReasons.BadPort, record, ZeekField.OrigPort, ZeekField.RespPort);
        var provenance = new Provenance(Input, line);
        var uid = Text(record, ZeekField.Uid) ?? $"(no uid) {provenance}";
        var origHost = Text(record, ZeekField.OrigHost) ?? string.Empty;
        var respHost = Text(record, ZeekField.RespHost) ?? string.Empty;
        if (kind == ZeekLogKind.Http)
        {
            int? status = null;
            if (record.TryGet(ZeekField.StatusCode, out var statusText))
            {
                if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                    return RowOutcome.Rejected(line, "unparsable status code", $"status_code '{Clip(statusText)}'");
                status = s;
            }
            links.AddHttp(uid, new ZeekHttp(ticks, origHost, origPort, respHost, respPort,
                Text(record, ZeekField.Method), Text(record, ZeekField.Host), Text(record, ZeekField.Uri),
                Text(record, ZeekField.UserAgent), status, provenance));
        }
        else
        {
            links.AddSsl(uid, new ZeekSsl(ticks, origHost, origPort, respHost, respPort,
                Text(record, ZeekField.ServerName), Text(record, ZeekField.Ja3), Text(record, ZeekField.Ja3s), provenance));
        }
        return null;
    }

    /// <summary>
    /// Holds a record of a still-open connection (conn_long, open_conn) until conn.log is read: per
    /// uid the one with the longest duration is kept, and a conn record of the same uid drops it. A
    /// rejected outcome when the record is malformed, else null.
    /// </summary>
    public RowOutcome? HoldOpen<TRecord>(TRecord record, long line) where TRecord : IZeekRecord, allows ref struct
    {
        if (!(record.TryGet(ZeekField.Ts, out var tsText) && ZeekTime.TryParseEpoch(tsText, out var ticks)) && !TryIsoTime(record, out ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"ts '{Clip(Raw(record, ZeekField.Ts))}'");
        if (!TryPort(record, ZeekField.RespPort, out var respPort) || !TryPort(record, ZeekField.OrigPort, out var origPort))
            return Rejected(line, RowReasons.BadPort, record, ZeekField.OrigPort, ZeekField.RespPort);
        if (!TryCount(record, ZeekField.OrigBytes, out var sent) || !TryCount(record, ZeekField.RespBytes, out var received)
            || !TryCount(record, ZeekField.OrigIpBytes, out var sentIp))
            return Rejected(line, RowReasons.BadByteCount, record, ZeekField.OrigBytes, ZeekField.RespBytes);
        long duration = -1;
        if (record.TryGet(ZeekField.Duration, out var durationText))
        {
            if (!ZeekTime.TryParseSeconds(durationText, out duration))
                return RowOutcome.Rejected(line, "unparsable duration", $"duration '{Clip(durationText)}'");
        }
        // Without a uid the record can be matched neither with its conn.log record nor with the
        // other records of the same connection: kept, it would count the connection once per record.
        if (!record.TryGet(ZeekField.Uid, out var uid) || uid.IsEmpty)
            return RowOutcome.Rejected(line, "open connection without a uid", "a conn_long/open_conn record needs its uid to be told apart from its conn.log record");
        links.AddOpen(uid.ToString(), new ZeekOpenConnection(ticks, Text(record, ZeekField.OrigHost) ?? string.Empty, origPort,
            Text(record, ZeekField.RespHost) ?? string.Empty, respPort, Text(record, ZeekField.Proto), duration,
            Text(record, ZeekField.ConnState), sent, received, sentIp, _inputOrder, new Provenance(Input, line)));
        return null;
    }

    /// <summary>Defender's words for Zeek's connection states, so the seed rule's ActionType filter means the same thing.</summary>
    public static string ActionTypeOf(ReadOnlySpan<char> connState, bool isSet) => !isSet ? "ConnectionFound" : connState switch
    {
        // A completed handshake: normal close (SF), still open (S1), half-closed (S2, S3), reset after it (RSTO, RSTR).
        "SF" or "S1" or "S2" or "S3" or "RSTO" or "RSTR" => "ConnectionSuccess",
        // No handshake: no reply (S0), rejected (REJ), reset before it (RSTOS0, RSTRH), no SYN-ACK (SH, SHR).
        "S0" or "REJ" or "RSTOS0" or "RSTRH" or "SH" or "SHR" => "ConnectionFailed",
        // Midstream traffic with no handshake seen (OTH), or no state logged: the connection existed.
        _ => "ConnectionFound",
    };

    /// <summary>An address's class in Defender's RemoteIPType words.</summary>
    private static string ClassOf(string address) => AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(address));

    /// <summary>A port, or -1 when unset (no nullable on the hot path); false when malformed.</summary>
    private static bool TryPort<TRecord>(TRecord record, ZeekField field, out int port) where TRecord : IZeekRecord, allows ref struct
    {
        port = -1;
        if (!record.TryGet(field, out var text))
            return true;
        if (!TryDigits(text, 5, out var p) || p > 65535)
            return false;
        port = (int)p;
        return true;
    }

    /// <summary>A byte count, or -1 when unset; false when malformed.</summary>
    private static bool TryCount<TRecord>(TRecord record, ZeekField field, out long count) where TRecord : IZeekRecord, allows ref struct
    {
        count = -1;
        return !record.TryGet(field, out var text) || TryDigits(text, 18, out count);
    }

    /// <summary>
    /// Unsigned decimal digits only, as Zeek writes ports and counts; what int.TryParse with
    /// NumberStyles.None accepts, without its per-call culture lookup (measurable at two ports and
    /// two counts a record). 18 digits cannot overflow a long; a longer count takes the general parser.
    /// </summary>
    private static bool TryDigits(ReadOnlySpan<char> text, int maxDigits, out long value)
    {
        value = 0;
        if (text.IsEmpty)
            return false;
        if (text.Length > maxDigits)
            return maxDigits == 18 && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digit > 9)
                return false;
            value = value * 10 + digit;
        }
        return true;
    }

    private static string? Text<TRecord>(TRecord record, ZeekField field) where TRecord : IZeekRecord, allows ref struct =>
        record.TryGet(field, out var value) ? value.ToString() : null;

    private static RowOutcome Rejected<TRecord>(long line, string reason, TRecord record, ZeekField first, ZeekField second)
        where TRecord : IZeekRecord, allows ref struct =>
        RowOutcome.Rejected(line, reason,
            $"{ZeekFields.Names[(int)first]} '{Clip(Raw(record, first))}', {ZeekFields.Names[(int)second]} '{Clip(Raw(record, second))}'");

    private static ReadOnlySpan<char> Raw<TRecord>(TRecord record, ZeekField field) where TRecord : IZeekRecord, allows ref struct =>
        record.TryGet(field, out var value) ? value : "-";

    internal static string Clip(ReadOnlySpan<char> value) => Defender.DefenderRowMapper.Clip(value);
}
