using System.Text;
using System.Text.Json;
using Cadence.Sources.Defender;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Zeek;

/// <summary>
/// Zeek's conn.log, http.log and ssl.log written as JSON lines (<c>LogAscii::use_json=T</c>), one
/// object a line, gzip or not: ts as epoch seconds (the default), ISO 8601
/// (<c>JSON::TS_ISO8601</c>) or epoch milliseconds (<c>JSON::TS_MILLIS</c>); unset fields absent.
/// Also the streams of deployments that put several logs in one file and name each record's log
/// in "_path" (Corelight, Security Onion) or "@stream". The same mapping as the TSV form, so the
/// same records give the same events and link by uid across forms (an http.log in TSV enriches
/// a conn.log in JSON).
/// </summary>
/// <remarks>
/// Which log a record is comes from "_path" (or "@stream") when present, else from its fields:
/// conn_state (or orig_bytes, resp_bytes, or duration with proto) means conn; method, uri or
/// status_code (or trans_depth with host) means http; server_name, cipher or ja3 (or version
/// with established) means ssl; anything else is another log, skipped and counted. A sip record
/// has method, uri and status_code too: its call_id marks it as another log.
/// </remarks>
public sealed class ZeekJsonFormat : ITelemetryFormat
{
    // Far above any Zeek record (a few KB at most), low enough that hostile input cannot make
    // the reader buffer gigabytes looking for the end of one line.
    internal const int MaxLineBytes = 16 * 1024 * 1024;

    private const long MinBytesToSplit = 4 << 20;

    public string Name => "Zeek conn/http/ssl log (JSON lines)";

    public TelemetryFields MayProvide =>
        ZeekFields.Provides(ZeekLogKind.Conn) | ZeekFields.Provides(ZeekLogKind.Http) | ZeekFields.Provides(ZeekLogKind.Ssl);

    /// <summary>The first non-blank line is a JSON object with "ts" and a "uid" or "id.orig_h" (the head may cut it short).</summary>
    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var line = FirstLine(head, out var complete);
        if (line.IsEmpty || line[0] != (byte)'{')
            return false;
        bool ts = false, uid = false, origHost = false;
        try
        {
            var reader = new Utf8JsonReader(line, isFinalBlock: complete, default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ts |= reader.ValueTextEquals("ts"u8);
                uid |= reader.ValueTextEquals("uid"u8);
                origHost |= reader.ValueTextEquals("id.orig_h"u8);
                if (!reader.Read() || !reader.TrySkip())
                    break;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // A property name that is not valid UTF-8.
            return false;
        }
        return ts && (uid || origHost);
    }

    /// <summary>http, ssl and open-connection records go first, to be held for their connections; the first record says which log a file is.</summary>
    public int ReadOrder(ReadOnlySpan<byte> head)
    {
        var line = FirstLine(head, out var complete);
        if (!complete)
            return 0;
        var row = new ZeekJsonRow();
        try
        {
            row.Fill(line);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return 0;
        }
        return row.Kind is ZeekLogKind.Http or ZeekLogKind.Ssl or ZeekLogKind.OpenConn ? -1 : 0;
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var account = new ZeekInputAccount(input, context.Log);
        var range = new ZeekJsonRange(Mapper(input, context), account);
        var lines = new LineFramer(content, 1, MaxLineBytes);
        var held = new ZeekEventHolder();
        while (lines.TryNext(out var number, out var tooLong))
        {
            if (range.TryNext(lines.Current, number, tooLong, held))
                yield return held.Event;
        }
        ZeekInputAccount.Close(context, input, "JSON", [account]);
    }

    public void ReadInto(Stream content, InputFile input, ReadContext context, IEventSink sink)
    {
        // Strict mode must stop at the first malformed line of the file, which ranges read side
        // by side cannot promise; it takes the ordered path.
        if (context.DegreeOfParallelism > 1 && !context.Log.Strict && input.PlainFilePath is { } path
            && new FileInfo(path).Length >= MinBytesToSplit)
        {
            ReadRanges(path, input, context, sink);
            return;
        }
        foreach (var e in Read(content, input, context))
            sink.Accept(e);
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => context.StateOf<ZeekLinks>().Unclaimed(context);

    private static void ReadRanges(string path, InputFile input, ReadContext context, IEventSink sink)
    {
        var threads = context.DegreeOfParallelism;
        var (chunks, _) = ZeekLineSplitter.Split(path, RangeWorkers.RangesFor(new FileInfo(path).Length, threads), threads, findDirectives: false);
        var accounts = new ZeekInputAccount[chunks.Count];
        RangeWorkers.ForEach(chunks.Count, threads, () => Mapper(input, context), (i, mapper) =>
        {
            var chunk = chunks[i];
            var account = accounts[i] = new ZeekInputAccount(input, context.Log);
            var range = new ZeekJsonRange(mapper, account);
            using var stream = new CountingStream(new FileRangeStream(path, chunk.Offset, chunk.Length), context.Progress);
            var lines = new LineFramer(stream, chunk.FirstLine, MaxLineBytes);
            while (lines.TryNext(out var number, out var tooLong))
                range.TryNext(lines.Current, number, tooLong, sink);
        });
        ZeekInputAccount.Close(context, input, "JSON", accounts);
    }

    private static ZeekRecordMapper Mapper(InputFile input, ReadContext context) => new(context.StateOf<ZeekLinks>(), input);

    /// <summary>The first line that is not blank, without its line break; <paramref name="complete"/> when the head holds all of it.</summary>
    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> head, out bool complete)
    {
        while (true)
        {
            var end = head.IndexOf((byte)'\n');
            var line = end < 0 ? head : head[..end];
            if (!line.TrimStart(JsonShapes.Whitespace).IsEmpty || end < 0)
            {
                complete = end >= 0;
                return line.Trim(JsonShapes.Whitespace);
            }
            head = head[(end + 1)..];
        }
    }
}

/// <summary>Reads JSON lines of Zeek records one by one: parses, maps through the shared mapping, and books each line.</summary>
internal sealed class ZeekJsonRange(ZeekRecordMapper mapper, ZeekInputAccount account)
{
    private const string OtherLogDetail = ZeekFields.OtherLogDetail;

    private readonly ZeekJsonRow _row = new();
    private readonly Dictionary<string, string> _otherLogReasons = new(StringComparer.Ordinal);

    /// <summary>Hands the event the line becomes, if any, to <paramref name="sink"/>; every line is booked either way.</summary>
    public bool TryNext(ReadOnlySpan<byte> line, long number, bool tooLong, IEventSink sink)
    {
        if (tooLong)
        {
            account.Record(RowOutcome.Rejected(number, RowReasons.BadJson, $"a line longer than {ZeekJsonFormat.MaxLineBytes} bytes, not parsed"));
            return false;
        }
        if (number == 1 && line.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            line = line[3..];
        if (line.TrimStart(JsonShapes.Whitespace).IsEmpty)
        {
            account.Record(RowOutcome.Skipped(number, RowReasons.BlankLine, "empty line"));
            return false;
        }
        try
        {
            if (!_row.Fill(line))
            {
                account.Record(RowOutcome.Rejected(number, RowReasons.NotAnObject, "a JSON value that is not an object"));
                return false;
            }
        }
        catch (JsonException ex)
        {
            account.Record(RowOutcome.Rejected(number, RowReasons.BadJson, JsonThrow.Describe(ex)));
            return false;
        }
        catch (InvalidOperationException)
        {
            account.Record(RowOutcome.Rejected(number, RowReasons.BadJson, "text that is not valid UTF-8"));
            return false;
        }

        var kind = _row.Kind;
        account.Saw(_row.PathName, kind);
        // Zeek never leaves these unset in conn, http or ssl records; a record without them is
        // not Zeek's flat form (a pipeline that nested "id" into an object, say).
        if (kind != ZeekLogKind.Other && _row.Missing() is { } missing)
        {
            account.Record(RowOutcome.Rejected(number, "missing Zeek fields", $"the record lacks {missing}"));
            return false;
        }
        switch (kind)
        {
            case ZeekLogKind.Conn:
                if (mapper.TryMapConn(_row, number, sink, out var ticks))
                {
                    account.CountEvent(ticks);
                    return true;
                }
                account.Record(mapper.Problem);
                return false;
            case ZeekLogKind.Http:
            case ZeekLogKind.Ssl:
                if (mapper.Hold(kind, _row, number) is { } rejected)
                    account.Record(rejected);
                else
                    account.CountHeld();
                return false;
            case ZeekLogKind.OpenConn:
                if (mapper.HoldOpen(_row, number) is { } refused)
                    account.Record(refused);
                else
                    account.CountHeldOpen();
                return false;
            default:
                account.Record(RowOutcome.Skipped(number, OtherLogReason(), OtherLogDetail));
                return false;
        }
    }

    private string OtherLogReason()
    {
        var path = _row.Path ?? "(no _path)";
        if (!_otherLogReasons.TryGetValue(path, out var reason))
        {
            reason = _row.Path is null
                ? "Zeek record of another log: no _path, and its fields are not conn's, http's or ssl's"
                : $"Zeek {path} log: not a connection, HTTP or TLS record";
            if (_otherLogReasons.Count < 1024)
                _otherLogReasons[path] = reason;
        }
        return reason;
    }
}

/// <summary>
/// One Zeek JSON record, reused line after line: the values of the fields Cadence reads (strings
/// unescaped, numbers as their text, times and intervals normalized to exact decimal seconds),
/// and which log it is.
/// </summary>
internal sealed class ZeekJsonRow : IZeekRecord
{
    // Names beyond the fields: where the log is named, and what tells logs apart without it.
    private const int PathKey = ZeekFields.Count;
    private const int StreamKey = PathKey + 1;
    private const int TransDepth = PathKey + 2;
    private const int Cipher = PathKey + 3;
    private const int Version = PathKey + 4;
    private const int Established = PathKey + 5;
    private const int CallId = PathKey + 6;
    private const int NameCount = PathKey + 7;

    // Field names are short; a longer property name cannot be one of them.
    private const int MaxNameChars = 64;

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Names = BuildNames();

    private readonly int[] _starts = new int[NameCount];
    private readonly int[] _lengths = new int[NameCount];
    private readonly char[] _name = new char[MaxNameChars];
    private char[] _chars = new char[1024];
    private int _used;
    private ulong _seen;

    /// <summary>The log named by "_path" (or "@stream"); null when the record does not say.</summary>
    public string? Path { get; private set; }

    /// <summary>The log's name for summaries: <see cref="Path"/>, or the kind its fields show.</summary>
    public string PathName => Path ?? Kind switch
    {
        ZeekLogKind.Conn => "conn",
        ZeekLogKind.Http => "http",
        ZeekLogKind.Ssl => "ssl",
        _ => "other",
    };

    /// <summary>The fields every conn, http and ssl record has that this one lacks; null when it has them all.</summary>
    public string? Missing()
    {
        ReadOnlySpan<ZeekField> required = [ZeekField.Ts, ZeekField.OrigHost, ZeekField.OrigPort, ZeekField.RespHost, ZeekField.RespPort];
        string? missing = null;
        foreach (var field in required)
        {
            if (!Seen((int)field))
                missing = missing is null ? ZeekFields.Names[(int)field] : $"{missing}, {ZeekFields.Names[(int)field]}";
        }
        return missing;
    }

    public ZeekLogKind Kind { get; private set; }

    public bool TryGet(ZeekField field, out ReadOnlySpan<char> value) => TryGet((int)field, out value);

    /// <summary>Reads one line holding one JSON object; false when it holds another JSON value.</summary>
    /// <exception cref="JsonException">Broken JSON, a truncated line, or more than one value on the line.</exception>
    public bool Fill(ReadOnlySpan<byte> line)
    {
        _used = 0;
        _seen = 0;
        var reader = new Utf8JsonReader(line);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            // Throws when the line holds more than one value.
            reader.Read();
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = NameOf(ref reader);
            reader.Read();
            if (name < 0)
                reader.Skip();
            else
                Store(ref reader, line, name);
        }
        // Anything after the object (a second value) throws here.
        reader.Read();

        Path = TryGet(PathKey, out var path) ? Text(path) : TryGet(StreamKey, out var stream) ? Text(stream) : null;
        Kind = Path is not null ? ZeekFields.KindOf(Path) : Infer();
        return true;
    }

    private ZeekLogKind Infer()
    {
        if (Seen(CallId))
            return ZeekLogKind.Other;
        if (Seen((int)ZeekField.ConnState))
            return ZeekLogKind.Conn;
        if (Seen((int)ZeekField.Method) || Seen((int)ZeekField.Uri) || Seen((int)ZeekField.StatusCode)
            || (Seen(TransDepth) && Seen((int)ZeekField.Host)))
            return ZeekLogKind.Http;
        if (Seen((int)ZeekField.ServerName) || Seen(Cipher) || Seen((int)ZeekField.Ja3) || (Seen(Version) && Seen(Established)))
            return ZeekLogKind.Ssl;
        if (Seen((int)ZeekField.OrigBytes) || Seen((int)ZeekField.RespBytes)
            || (Seen((int)ZeekField.Duration) && Seen((int)ZeekField.Proto)))
            return ZeekLogKind.Conn;
        return ZeekLogKind.Other;
    }

    private bool Seen(int name) => (_seen & (1UL << name)) != 0;

    private bool TryGet(int name, out ReadOnlySpan<char> value)
    {
        if (!Seen(name))
        {
            value = default;
            return false;
        }
        value = _chars.AsSpan(_starts[name], _lengths[name]);
        return true;
    }

    private int NameOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length > MaxNameChars)
            return -1;
        var length = reader.CopyString(_name);
        return Names.TryGetValue(_name.AsSpan(0, length), out var name) ? name : -1;
    }

    private void Store(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, int name)
    {
        var start = _used;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // Unescaped, a string has at most as many chars as its UTF-8 bytes.
                Reserve(reader.ValueSpan.Length);
                _used += reader.CopyString(_chars.AsSpan(_used));
                break;
            case JsonTokenType.Number:
                if (name is (int)ZeekField.Ts or (int)ZeekField.Duration
                    && ZeekTime.TryParseJsonSeconds(reader.ValueSpan, integerMillis: name == (int)ZeekField.Ts, out var ticks))
                {
                    Reserve(32);
                    _used += ZeekTime.FormatSeconds(ticks, _chars.AsSpan(_used));
                }
                else
                {
                    Transcode(reader.ValueSpan);
                }
                break;
            case JsonTokenType.True:
                Transcode("T"u8);
                break;
            case JsonTokenType.False:
                Transcode("F"u8);
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
            {
                // Not a form any field Cadence reads takes: kept as its text, so a number field fails to parse and says so.
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                Transcode(line[from..(int)reader.BytesConsumed]);
                break;
            }
            default:
                // null: unset, as an absent field.
                return;
        }
        _starts[name] = start;
        _lengths[name] = _used - start;
        _seen |= 1UL << name;
    }

    private void Transcode(ReadOnlySpan<byte> utf8)
    {
        Reserve(utf8.Length);
        _used += Encoding.UTF8.GetChars(utf8, _chars.AsSpan(_used));
    }

    private void Reserve(int maxChars)
    {
        if (_chars.Length - _used >= maxChars)
            return;
        var grown = new char[Math.Max(_chars.Length * 2, _used + maxChars)];
        _chars.AsSpan(0, _used).CopyTo(grown);
        _chars = grown;
    }

    // Log names repeat record after record; keep the handful seen rather than allocate each time.
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    private string Text(ReadOnlySpan<char> value)
    {
        var lookup = _paths.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var known))
            return known;
        var text = value.ToString();
        if (_paths.Count < 256)
            _paths[text] = text;
        return text;
    }

    private static Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> BuildNames()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var f = 0; f < ZeekFields.Count; f++)
            names[ZeekFields.Names[f]] = f;
        names["_path"] = PathKey;
        names["@stream"] = StreamKey;
        names["trans_depth"] = TransDepth;
        names["cipher"] = Cipher;
        names["version"] = Version;
        names["established"] = Established;
        names["call_id"] = CallId;
        return names.GetAlternateLookup<ReadOnlySpan<char>>();
    }
}

/// <summary>
/// Splits a stream into lines, refilling a buffer as it goes: a line is handed out as a span of
/// the buffer, valid until the next call. A line longer than the limit is reported as such and
/// skipped through its end, so the lines after it are still read.
/// </summary>
internal sealed class LineFramer(Stream stream, long firstLine, int maxLineBytes)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;
    private bool _endOfStream;
    private bool _discarding;
    private long _line = firstLine;

    /// <summary>The line last returned by <see cref="TryNext"/>, without its line break (nor a '\r' before it).</summary>
    public ReadOnlySpan<byte> Current => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>The next line and its number; <paramref name="tooLong"/> when it was skipped for its length (<see cref="Current"/> is then empty).</summary>
    public bool TryNext(out long number, out bool tooLong)
    {
        tooLong = false;
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            var newline = data.IndexOf((byte)'\n');
            if (_discarding)
            {
                if (newline >= 0)
                {
                    _start += newline + 1;
                    _discarding = false;
                    continue;
                }
                _start = _end;
            }
            else if (newline >= 0 || (_endOfStream && !data.IsEmpty))
            {
                var length = newline >= 0 ? newline : data.Length;
                _lineStart = _start;
                _lineLength = length > 0 && data[length - 1] == (byte)'\r' ? length - 1 : length;
                _start += newline >= 0 ? newline + 1 : length;
                number = _line++;
                return true;
            }
            else if (_end - _start >= maxLineBytes)
            {
                // Resynchronize at the next line rather than buffer an unbounded one.
                _discarding = true;
                _start = _end;
                _lineLength = 0;
                tooLong = true;
                number = _line++;
                return true;
            }

            if (_endOfStream)
            {
                number = 0;
                return false;
            }
            Refill();
        }
    }

    private void Refill()
    {
        var pending = _end - _start;
        if (pending == _buffer.Length)
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, maxLineBytes + 1L));
        else if (_start > 0)
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        _start = 0;
        _end = pending;
        var read = stream.Read(_buffer.AsSpan(_end));
        if (read == 0)
            _endOfStream = true;
        _end += read;
    }
}
