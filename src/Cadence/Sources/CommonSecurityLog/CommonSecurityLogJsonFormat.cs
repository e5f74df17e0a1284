using System.Text;
using System.Text.Json;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// Sentinel's CommonSecurityLog as JSON: an array of row objects (az monitor log-analytics query,
/// the Log Analytics API's rows turned into objects) or NDJSON. Values may be strings or numbers
/// (az writes every value as a string, DestinationPort included). Streamed one row at a time.
/// </summary>
public sealed class CommonSecurityLogJsonFormat : ITelemetryFormat
{
    public string Name => "Sentinel CommonSecurityLog JSON (array of rows, NDJSON)";

    public TelemetryFields MayProvide => CommonSecurityLogSchema.AllFields;

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        head = head.TrimStart(" \t\r\n"u8);
        if (head.IsEmpty || head[0] is not ((byte)'[' or (byte)'{'))
            return false;
        var names = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(head, isFinalBlock: false, default);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
                return false;
            // The head may end inside the first row: the names read so far decide.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                names.Add(reader.GetString()!);
                if (!reader.Read() || !reader.TrySkip())
                    break;
            }
        }
        catch (JsonException)
        {
            // Broken before the names that matter: judged on what was read.
        }
        catch (InvalidOperationException)
        {
            // A name that is not valid UTF-8.
        }
        return CommonSecurityLogSchema.LooksLikeCommonSecurityLog(names);
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var rows = new JsonRows(content, input, context, Name);
        while (rows.TryNext(out var outcome))
        {
            if (outcome.Account(rows.Ingest))
                yield return outcome.Event;
        }
    }

    /// <summary>
    /// The rows of one input, in order. The account opens at the first row that is an object, as
    /// its names say which fields the input carries; what comes before it waits in a queue.
    /// </summary>
    private sealed class JsonRows(Stream content, InputFile input, ReadContext context, string format)
    {
        private readonly ByteBuffer _buffer = new(content);
        private readonly JsonRecord _record = new();
        private readonly CommonSecurityLogMapper _mapper = new(context.Pool, input);
        private readonly Queue<RowOutcome> _pending = new();
        private InputIngest? _ingest;
        private Shape _shape = Shape.Unknown;
        private bool _done;

        private enum Shape
        {
            Unknown,
            Lines,
            ArrayStart,
            ArrayElement,
            ArrayAfterElement,
        }

        public InputIngest Ingest => _ingest!;

        public bool TryNext(out RowOutcome outcome)
        {
            while (true)
            {
                if (_ingest is not null && _pending.TryDequeue(out outcome))
                    return true;
                if (_done)
                {
                    if (_ingest is null)
                    {
                        _ingest = context.Log.Begin(input, format, TelemetryFields.None);
                        continue;
                    }
                    outcome = default;
                    return false;
                }
                if (NextRow() is { } row)
                    _pending.Enqueue(row);
                else
                    _done = true;
            }
        }

        /// <summary>The next row's outcome; null at the end, or after a break no reader can resynchronize past.</summary>
        private RowOutcome? NextRow()
        {
            if (_shape == Shape.Unknown)
            {
                _buffer.SkipByteOrderMark();
                if (!_buffer.SkipWhitespace())
                    return null;
                _shape = _buffer.Data[0] == (byte)'[' ? Shape.ArrayStart : Shape.Lines;
            }
            return _shape == Shape.Lines ? NextLine() : NextElement();
        }

        private RowOutcome? NextLine()
        {
            while (true)
            {
                var data = _buffer.Data;
                var newline = data.IndexOf((byte)'\n');
                if (newline < 0 && !_buffer.IsFinal)
                {
                    _buffer.Fill();
                    continue;
                }
                if (data.IsEmpty)
                    return null;
                var length = newline < 0 ? data.Length : newline + 1;
                var text = data[..length];
                var line = _buffer.Line;
                var outcome = text.TrimStart(" \t\r\n"u8).IsEmpty
                    ? RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line")
                    : MapRow(text, line);
                _buffer.Advance(length);
                return outcome;
            }
        }

        private RowOutcome? NextElement()
        {
            while (true)
            {
                if (!_buffer.SkipWhitespace())
                {
                    return _shape == Shape.ArrayStart
                        ? null
                        : Stop(_buffer.Line, "the document ends before the array is closed");
                }
                var next = _buffer.Data[0];
                switch (_shape)
                {
                    case Shape.ArrayStart:
                        _buffer.Advance(1);
                        _shape = Shape.ArrayElement;
                        if (_buffer.SkipWhitespace() && _buffer.Data[0] == (byte)']')
                            return null;
                        continue;
                    case Shape.ArrayAfterElement:
                        if (next == (byte)']')
                            return null;
                        if (next != (byte)',')
                            return Stop(_buffer.Line, $"'{(char)next}' where ',' or ']' belongs");
                        _buffer.Advance(1);
                        _shape = Shape.ArrayElement;
                        continue;
                }

                int length;
                try
                {
                    var reader = new Utf8JsonReader(_buffer.Data, _buffer.IsFinal, default);
                    var complete = reader.Read()
                        && (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || reader.TrySkip());
                    // A number at the end of the buffer may go on in the next read.
                    if (!complete || (!_buffer.IsFinal && (int)reader.BytesConsumed == _buffer.Data.Length))
                    {
                        if (_buffer.IsFinal)
                            return Stop(_buffer.Line, "the document ends inside a row");
                        _buffer.Fill();
                        continue;
                    }
                    length = (int)reader.BytesConsumed;
                }
                catch (JsonException ex)
                {
                    // Inside an array there is no line to resynchronize at: the rest is unread.
                    return Stop(_buffer.Line, JsonThrow.Describe(ex));
                }
                var line = _buffer.Line;
                var outcome = MapRow(_buffer.Data[..length], line);
                _buffer.Advance(length);
                _shape = Shape.ArrayAfterElement;
                return outcome;
            }
        }

        private RowOutcome Stop(long line, string detail)
        {
            _done = true;
            return RowOutcome.Rejected(line, RowReasons.BadJson, detail);
        }

        private RowOutcome MapRow(ReadOnlySpan<byte> json, long line)
        {
            try
            {
                var reader = new Utf8JsonReader(json, isFinalBlock: true, default);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                    return RowOutcome.Rejected(line, RowReasons.NotAnObject, JsonThrow.Describe(reader.TokenType));
                _record.Fill(ref reader);
                // Anything after the object (on an NDJSON line) makes the reader throw here.
                reader.Read();
            }
            catch (JsonException ex)
            {
                return RowOutcome.Rejected(line, RowReasons.BadJson, JsonThrow.Describe(ex));
            }
            catch (InvalidOperationException)
            {
                return RowOutcome.Rejected(line, RowReasons.BadJson, "text that is not valid UTF-8");
            }
            _ingest ??= context.Log.Begin(input, format, CommonSecurityLogSchema.ProvidesFrom(_record.Named));
            return _mapper.Map(_record, line);
        }
    }

    /// <summary>One row object, its values kept as text in one reused buffer.</summary>
    private sealed class JsonRecord : ICommonSecurityLogRecord
    {
        // Longer property names are not columns Cadence reads; they are skipped unread.
        private const int MaxNameChars = 64;

        private static readonly Dictionary<string, CommonSecurityLogColumn> Columns =
            Enum.GetValues<CommonSecurityLogColumn>().ToDictionary(c => c.ToString(), StringComparer.Ordinal);

        private static readonly Dictionary<string, CommonSecurityLogColumn>.AlternateLookup<ReadOnlySpan<char>> ColumnLookup =
            Columns.GetAlternateLookup<ReadOnlySpan<char>>();

        private static readonly int ColumnCount = Columns.Count;

        private readonly int[] _starts = new int[ColumnCount];
        private readonly int[] _lengths = new int[ColumnCount];
        private readonly bool[] _named = new bool[ColumnCount];
        private readonly char[] _name = new char[MaxNameChars];
        private char[] _chars = new char[1024];
        private int _used;

        public ReadOnlySpan<char> this[CommonSecurityLogColumn column] =>
            _chars.AsSpan(_starts[(int)column], _lengths[(int)column]);

        /// <summary>True when the last row named the column, even with a null value.</summary>
        public bool Named(CommonSecurityLogColumn column) => _named[(int)column];

        public string NameOf(CommonSecurityLogColumn column) => column.ToString();

        public bool TryReadTimestamp(out long utcTicks, out string problem)
        {
            var text = this[CommonSecurityLogColumn.TimeGenerated];
            problem = LogAnalyticsTime.TryParseUtcTicks(text, out utcTicks) ? string.Empty : $"TimeGenerated '{CommonSecurityLogMapper.Clip(text)}'";
            return problem.Length == 0;
        }

        /// <summary>Reads the object the reader is on through its end.</summary>
        public void Fill(ref Utf8JsonReader reader)
        {
            Array.Clear(_lengths);
            Array.Clear(_named);
            _used = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var column = -1;
                if (reader.ValueSpan.Length <= MaxNameChars)
                {
                    var length = reader.CopyString(_name);
                    if (ColumnLookup.TryGetValue(_name.AsSpan(0, length), out var found))
                        column = (int)found;
                }
                reader.Read();
                if (column < 0)
                {
                    reader.Skip();
                    continue;
                }
                _named[column] = true;
                Store(ref reader, column);
            }
        }

        private void Store(ref Utf8JsonReader reader, int column)
        {
            var start = _used;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    Reserve(reader.ValueSpan.Length);
                    _used += reader.CopyString(_chars.AsSpan(_used));
                    break;
                case JsonTokenType.Number:
                    Reserve(reader.ValueSpan.Length);
                    _used += Encoding.UTF8.GetChars(reader.ValueSpan, _chars.AsSpan(_used));
                    break;
                default:
                    // null is an absent value; no column Cadence reads holds an object, array or boolean.
                    reader.Skip();
                    break;
            }
            _starts[column] = start;
            _lengths[column] = _used - start;
        }

        private void Reserve(int maxChars)
        {
            if (_chars.Length - _used >= maxChars)
                return;
            var grown = new char[Math.Max(_chars.Length * 2, _used + maxChars)];
            _chars.AsSpan(0, _used).CopyTo(grown);
            _chars = grown;
        }
    }

    /// <summary>
    /// The bytes of a stream not yet consumed, refilled on demand, with the 1-based line the first
    /// of them is on. Grows while one row does not fit.
    /// </summary>
    private sealed class ByteBuffer(Stream stream)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public bool IsFinal { get; private set; }

        public long Line { get; private set; } = 1;

        public ReadOnlySpan<byte> Data => _buffer.AsSpan(_start, _end - _start);

        public void Advance(int count)
        {
            Line += _buffer.AsSpan(_start, count).Count((byte)'\n');
            _start += count;
        }

        /// <summary>Moves what is unconsumed to the front, grows the buffer if it is full, and reads once more.</summary>
        public void Fill()
        {
            if (IsFinal)
                return;
            var pending = _end - _start;
            if (pending == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
            else if (_start > 0)
                _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
            var read = stream.Read(_buffer.AsSpan(_end));
            if (read == 0)
                IsFinal = true;
            _end += read;
        }

        /// <summary>Skips whitespace; false when the stream ends first.</summary>
        public bool SkipWhitespace()
        {
            while (true)
            {
                var data = Data;
                var skip = data.IndexOfAnyExcept(" \t\r\n"u8);
                if (skip >= 0)
                {
                    Advance(skip);
                    return true;
                }
                Advance(data.Length);
                if (IsFinal)
                    return false;
                Fill();
            }
        }

        public void SkipByteOrderMark()
        {
            while (Data.Length < 3 && !IsFinal)
                Fill();
            if (Data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                _start += 3;
        }
    }
}
