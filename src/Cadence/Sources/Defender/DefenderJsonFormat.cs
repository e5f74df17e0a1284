using System.Text;
using System.Text.Json;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Defender;

/// <summary>
/// DeviceNetworkEvents exported as JSON, in the three shapes exports come in: the Microsoft Graph
/// runHuntingQuery response (and the older Defender API's capitalized Schema/Results), a JSON
/// array of rows, and NDJSON. Streamed through a refillable buffer, so memory stays flat however
/// large the file.
/// </summary>
public sealed class DefenderJsonFormat : ITelemetryFormat
{
    // Far above any real row (a wide row with AdditionalFields is a few KB), low enough that
    // hostile input cannot make the reader buffer gigabytes looking for the end of one row.
    internal const int DefaultMaxRowBytes = 16 * 1024 * 1024;

    private readonly int _maxRowBytes;

    public DefenderJsonFormat()
        : this(DefaultMaxRowBytes)
    {
    }

    internal DefenderJsonFormat(int maxRowBytes) => _maxRowBytes = maxRowBytes;

    public string Name => "Defender DeviceNetworkEvents JSON (Graph runHuntingQuery response, array of rows, NDJSON)";

    public TelemetryFields MayProvide => DefenderSchema.AllFields;

    public bool Recognizes(ReadOnlySpan<byte> head) => JsonShapes.Detect(head) != JsonShape.None;

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => context.StateOf<DefenderProcessJoin>().Release(context);

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var rows = new JsonRowStream(content, input, context, Name, _maxRowBytes);
        while (rows.TryNext(out var outcome))
        {
            if (outcome.Account(rows.Ingest) && !DefenderProcessJoin.TryHold(outcome.Event, context))
                yield return outcome.Event;
        }
    }
}

internal enum JsonShape
{
    None,
    GraphResponse,
    Array,
    Lines,
}

/// <summary>Tells the JSON shapes apart from the first bytes of a file, which may end mid-row.</summary>
internal static class JsonShapes
{
    public static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

    public static JsonShape Detect(ReadOnlySpan<byte> head)
    {
        head = head.TrimStart(Whitespace);
        if (head.IsEmpty)
            return JsonShape.None;
        try
        {
            return head[0] switch
            {
                (byte)'[' => DetectArray(head),
                (byte)'{' => DetectObject(head),
                _ => JsonShape.None,
            };
        }
        catch (JsonException)
        {
            return JsonShape.None;
        }
        catch (InvalidOperationException)
        {
            // A property name that is not valid UTF-8.
            return JsonShape.None;
        }
    }

    public static bool IsResults(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("results"u8) || reader.ValueTextEquals("Results"u8);

    public static bool IsSchema(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("schema"u8) || reader.ValueTextEquals("Schema"u8);

    /// <summary>Collects the property names of the object the reader is on; false when the data ends first.</summary>
    public static bool ReadPropertyNames(ref Utf8JsonReader reader, List<string> names)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
                return true;
            names.Add(reader.GetString()!);
            if (!reader.Read() || !TrySkipValue(ref reader))
                return false;
        }
        return false;
    }

    /// <summary>Collects the column names of the schema array the reader is on; false when the data ends first.</summary>
    public static bool ReadSchemaNames(ref Utf8JsonReader reader, List<string> names)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
                return true;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (!ReadSchemaEntry(ref reader, names))
                    return false;
            }
            else if (!TrySkipValue(ref reader))
            {
                return false;
            }
        }
        return false;
    }

    private static bool ReadSchemaEntry(ref Utf8JsonReader reader, List<string> names)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
                return true;
            // Graph writes "name", the older Defender API "Name".
            var isName = reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("Name"u8);
            if (!reader.Read())
                return false;
            if (isName && reader.TokenType == JsonTokenType.String)
                names.Add(reader.GetString()!);
            else if (!TrySkipValue(ref reader))
                return false;
        }
        return false;
    }

    private static bool TrySkipValue(ref Utf8JsonReader reader) =>
        reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || reader.TrySkip();

    private static JsonShape DetectArray(ReadOnlySpan<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, default);
        reader.Read();
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return JsonShape.None;
        var names = new List<string>();
        ReadPropertyNames(ref reader, names);
        return DefenderSchema.LooksLikeDeviceNetworkEvents(names) ? JsonShape.Array : JsonShape.None;
    }

    private static JsonShape DetectObject(ReadOnlySpan<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, default);
        reader.Read();
        var topNames = new List<string>();
        var schemaNames = new List<string>();
        var rowNames = new List<string>();
        var isResponse = false;
        var objectEnd = -1;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                objectEnd = (int)reader.BytesConsumed;
                break;
            }
            var isSchema = IsSchema(ref reader);
            var isResults = IsResults(ref reader);
            topNames.Add(reader.GetString()!);
            if (!reader.Read())
                break;
            if (isSchema && reader.TokenType == JsonTokenType.StartArray)
            {
                isResponse = true;
                if (!ReadSchemaNames(ref reader, schemaNames))
                    break;
            }
            else if (isResults && reader.TokenType == JsonTokenType.StartArray)
            {
                isResponse = true;
                if (!reader.Read())
                    break;
                if (reader.TokenType == JsonTokenType.EndArray)
                    continue;
                // Rows share their columns with the schema, so the first row decides and the
                // rest of the results need not be read.
                if (reader.TokenType == JsonTokenType.StartObject)
                    ReadPropertyNames(ref reader, rowNames);
                break;
            }
            else if (!TrySkipValue(ref reader))
            {
                break;
            }
        }

        if (isResponse)
        {
            return DefenderSchema.LooksLikeDeviceNetworkEvents(schemaNames) || DefenderSchema.LooksLikeDeviceNetworkEvents(rowNames)
                ? JsonShape.GraphResponse
                : JsonShape.None;
        }
        if (!DefenderSchema.LooksLikeDeviceNetworkEvents(topNames))
            return JsonShape.None;

        // NDJSON holds one row per line; a pretty-printed object is not NDJSON.
        var firstLineEnd = head.IndexOf((byte)'\n');
        if (objectEnd < 0)
            return firstLineEnd < 0 ? JsonShape.Lines : JsonShape.None;
        if (firstLineEnd >= 0 && firstLineEnd < objectEnd)
            return JsonShape.None;
        var restOfLine = firstLineEnd < 0 ? head[objectEnd..] : head[objectEnd..firstLineEnd];
        return restOfLine.TrimStart(Whitespace).IsEmpty ? JsonShape.Lines : JsonShape.None;
    }
}

/// <summary>
/// Reads one JSON export row by row: frames rows (lines for NDJSON, array elements otherwise)
/// in a <see cref="ByteWindow"/>, resolves the schema once, and maps each row to an outcome.
/// </summary>
internal sealed class JsonRowStream
{
    // Large enough for the head format detection sees, so detection here and in
    // TelemetryReader looks at the same bytes.
    private const int InitialBufferBytes = 64 * 1024;

    private readonly ByteWindow _window;
    private readonly InputFile _input;
    private readonly ReadContext _context;
    private readonly string _format;
    private readonly int _maxRowBytes;

    private JsonShape _shape;
    private InputIngest? _ingest;
    private DefenderRowMapper? _mapper;
    private JsonRow? _row;

    // NDJSON
    private long _leadingBlankNext;
    private long _leadingBlankEnd;
    private RowOutcome? _deferred;
    private bool _discardingLine;

    // Graph response and array: a resumable reader's progress through the document.
    private JsonReaderState _state;
    private Phase _phase;
    private PropertyKind _property;
    private bool _inElement;
    private long _elementLine;
    private int _elementStart;
    private int _elementEnd;
    private int _pendingStart;
    private int _pendingDepth;
    private bool _pendingIsRow;
    private long _pendingLine;
    private Phase _pendingReturn;
    private int _skipDepth;
    private bool _skipIsRow;
    private long _skipLine;
    private Phase _skipReturn;
    private string? _schemaProblem;

    public JsonRowStream(Stream content, InputFile input, ReadContext context, string format, int maxRowBytes)
    {
        _input = input;
        _context = context;
        _format = format;
        _maxRowBytes = maxRowBytes;
        _window = new ByteWindow(content, InitialBufferBytes, Math.Max(InitialBufferBytes, maxRowBytes + 1));
    }

    private enum Phase
    {
        Start,
        Object,
        ObjectValue,
        Rows,
        Skipping,
        Done,
    }

    private enum PropertyKind
    {
        Other,
        Schema,
        Results,
    }

    private enum Step
    {
        Element,
        NeedMore,
        OversizeSkipped,
        Done,
    }

    /// <summary>The input's account; opened before the first outcome is handed out.</summary>
    public InputIngest Ingest => _ingest ?? throw new InvalidOperationException("No row has been read yet.");

    public bool TryNext(out RowOutcome outcome)
    {
        if (_shape == JsonShape.None)
            Start();
        return _shape == JsonShape.Lines ? TryNextLine(out outcome) : TryNextElement(out outcome);
    }

    private void Start()
    {
        _window.Refill();
        if (_window.Unconsumed.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            _window.Advance(_window.Start + 3);
        _shape = JsonShapes.Detect(_window.Unconsumed);
        if (_shape == JsonShape.None)
        {
            throw JsonThrow.Unreadable($"{_input.DisplayName}: not a DeviceNetworkEvents JSON export (expected a Graph runHuntingQuery " +
                "response, an array of rows or NDJSON, whose schema or first row names DeviceNetworkEvents columns)");
        }
        _state = new JsonReaderState(new JsonReaderOptions());
    }

    private bool TryBegin(List<string> names, out string missing)
    {
        if (!DefenderSchema.TryResolve(names, out var declared, out missing))
            return false;
        // JSON rows name their own properties, and exports leave out empty ones (NDJSON, Log
        // Analytics): a column the first row lacks may still come later. Rows are read by name,
        // so every column Cadence reads is looked for in every row. Timestamp is not added when
        // the first row has TimeGenerated instead, or the added name would shadow it.
        var all = new List<string>(names);
        foreach (var column in Enum.GetValues<DefenderColumn>())
        {
            if (!declared.Has(column) && column != DefenderColumn.Timestamp)
                all.Add(column.ToString());
        }
        DefenderSchema.TryResolve(all, out var schema, out _);
        _ingest = _context.Log.Begin(_input, _format, declared.Provides);
        _mapper = new DefenderRowMapper(schema, _context.Pool, _input);
        var wanted = new List<int>();
        foreach (var column in Enum.GetValues<DefenderColumn>())
            wanted.AddRange(schema.Positions(column));
        _row = new JsonRow(all, wanted);
        return true;
    }

    /// <summary>Opens the account from the first row's property names, as the CSV reader does from its header.</summary>
    private void BeginFromFirstRow(ReadOnlySpan<byte> row, long line)
    {
        if (row.Length > _maxRowBytes)
            throw FirstRowTooLarge(line);
        var names = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(row);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw JsonThrow.Unreadable($"{_input.DisplayName}:{line}: the first row is not a JSON object");
            JsonShapes.ReadPropertyNames(ref reader, names);
        }
        catch (JsonException ex)
        {
            throw JsonThrow.Unreadable($"{_input.DisplayName}:{line}: the first row is broken JSON ({JsonThrow.Describe(ex)})", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw JsonThrow.Unreadable($"{_input.DisplayName}:{line}: the first row is not valid UTF-8", ex);
        }
        if (!TryBegin(names, out var missing))
            throw JsonThrow.Unreadable($"{_input.DisplayName}:{line}: not a DeviceNetworkEvents export (missing columns: {missing})");
    }

    private RowOutcome MapRow(ReadOnlySpan<byte> element, long line)
    {
        if (element.Length > _maxRowBytes)
            return TooLarge(line);
        var row = _row!;
        try
        {
            var reader = new Utf8JsonReader(element);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                var found = reader.TokenType;
                reader.Skip();
                // Throws when the line holds more than one value.
                reader.Read();
                return RowOutcome.Rejected(line, RowReasons.NotAnObject, $"found {JsonThrow.Describe(found)}");
            }
            row.Fill(ref reader, element);
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
        return _mapper!.Map(row, line);
    }

    /// <exception cref="UnreadableInputException">When it is the first row: without it there are no columns.</exception>
    private RowOutcome TooLarge(long line) =>
        _ingest is null
            ? throw FirstRowTooLarge(line)
            : RowOutcome.Rejected(line, RowReasons.BadJson, $"a row larger than {_maxRowBytes} bytes, not parsed");

    private UnreadableInputException FirstRowTooLarge(long line) =>
        JsonThrow.Unreadable($"{_input.DisplayName}:{line}: the first row is larger than {_maxRowBytes} bytes");

    private bool TryNextLine(out RowOutcome outcome)
    {
        while (true)
        {
            // Lines before the first row are all blank; they are booked once the account is open.
            if (_leadingBlankNext < _leadingBlankEnd)
            {
                outcome = RowOutcome.Skipped(_leadingBlankNext++, RowReasons.BlankLine, "empty line");
                return true;
            }
            if (_deferred is { } deferred)
            {
                _deferred = null;
                outcome = deferred;
                return true;
            }

            var data = _window.Unconsumed;
            var newline = data.IndexOf((byte)'\n');
            if (_discardingLine)
            {
                if (newline >= 0)
                {
                    _window.Advance(_window.Start + newline + 1);
                    _discardingLine = false;
                    continue;
                }
                // No '\n' in what is dropped, so the line count stays right.
                _window.Advance(_window.End);
                if (_window.IsFinal)
                    break;
                _window.Refill();
                continue;
            }

            if (newline < 0 && !_window.IsFinal)
            {
                if (data.Length > _maxRowBytes)
                {
                    // Resynchronize at the next line rather than buffer an unbounded line.
                    outcome = TooLarge(_window.Line);
                    _discardingLine = true;
                    return true;
                }
                _window.Refill();
                continue;
            }
            if (data.IsEmpty)
                break;

            var text = newline < 0 ? data : data[..newline];
            var line = _window.Line;
            var next = _window.Start + (newline < 0 ? data.Length : newline + 1);
            if (text.TrimStart(JsonShapes.Whitespace).IsEmpty)
            {
                _window.Advance(next);
                if (_ingest is null)
                    continue;
                outcome = RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line");
                return true;
            }
            if (_ingest is null)
            {
                BeginFromFirstRow(text, line);
                _leadingBlankNext = 1;
                _leadingBlankEnd = line;
                _deferred = MapRow(text, line);
                _window.Advance(next);
                continue;
            }
            outcome = MapRow(text, line);
            _window.Advance(next);
            return true;
        }

        if (_ingest is null)
            throw JsonThrow.Unreadable($"{_input.DisplayName}: no rows (the file is empty or blank)");
        outcome = default;
        return false;
    }

    private bool TryNextElement(out RowOutcome outcome)
    {
        while (_phase != Phase.Done)
        {
            Step step;
            try
            {
                step = Scan();
            }
            catch (JsonException ex)
            {
                var line = _phase == Phase.Skipping && _skipIsRow ? _skipLine
                    : _inElement ? _elementLine
                    : (ex.LineNumber ?? 0) + 1;
                var at = ex.LineNumber is { } errorLine ? $" (at line {errorLine + 1})" : string.Empty;
                outcome = Stop(line, JsonThrow.Describe(ex) + at);
                return true;
            }

            switch (step)
            {
                case Step.Element:
                {
                    var element = _window.Slice(_elementStart, _elementEnd);
                    if (_ingest is null)
                        BeginFromFirstRow(element, _elementLine);
                    outcome = MapRow(element, _elementLine);
                    return true;
                }
                case Step.OversizeSkipped:
                    outcome = TooLarge(_skipLine);
                    return true;
                case Step.NeedMore:
                    if (_window.IsFinal)
                    {
                        outcome = Stop(_inElement ? _elementLine : _window.Line, "the document ends before it is complete");
                        return true;
                    }
                    if (_window.Unconsumed.Length > _maxRowBytes)
                    {
                        if (_phase == Phase.Skipping || _pendingStart < 0)
                        {
                            var line = _phase == Phase.Skipping && _skipIsRow ? _skipLine : _window.Line;
                            outcome = Stop(line, $"a single JSON value larger than {_maxRowBytes} bytes");
                            return true;
                        }
                        // Too big to buffer, but still valid JSON: walk past it token by token
                        // so the rows after it are read.
                        _skipDepth = _pendingDepth;
                        _skipIsRow = _pendingIsRow;
                        _skipLine = _pendingLine;
                        _skipReturn = _pendingReturn;
                        _phase = Phase.Skipping;
                        continue;
                    }
                    _window.Refill();
                    continue;
                case Step.Done:
                    break;
            }
        }

        if (_ingest is null)
        {
            throw JsonThrow.Unreadable(_schemaProblem is null
                ? $"{_input.DisplayName}: not a DeviceNetworkEvents export (no schema and no rows)"
                : $"{_input.DisplayName}: not a DeviceNetworkEvents export ({_schemaProblem})");
        }
        outcome = default;
        return false;
    }

    /// <summary>A break the reader cannot resynchronize after: book it against the row it is in and end this input.</summary>
    private RowOutcome Stop(long line, string detail)
    {
        _phase = Phase.Done;
        if (_ingest is null)
            throw JsonThrow.Unreadable($"{_input.DisplayName}:{line}: broken JSON before the first row ({detail})");
        return RowOutcome.Rejected(line, RowReasons.BadJson, detail);
    }

    /// <summary>
    /// Advances through the document from the last committed token until a whole row element is
    /// in the buffer, the buffer runs out, or the document ends. Commits after every token or
    /// value it has fully handled, so a refill resumes exactly there.
    /// </summary>
    private Step Scan()
    {
        var baseStart = _window.Start;
        var reader = new Utf8JsonReader(_window.Unconsumed, _window.IsFinal, _state);
        _pendingStart = -1;
        _inElement = false;
        while (true)
        {
            switch (_phase)
            {
                case Phase.Start:
                {
                    if (!reader.Read())
                        return Step.NeedMore;
                    var expected = _shape == JsonShape.Array ? JsonTokenType.StartArray : JsonTokenType.StartObject;
                    if (reader.TokenType != expected)
                        throw new JsonException($"the document does not start with {(_shape == JsonShape.Array ? "'['" : "'{'")}", null, 0, 0);
                    Commit(ref reader, baseStart);
                    _phase = _shape == JsonShape.Array ? Phase.Rows : Phase.Object;
                    break;
                }
                case Phase.Object:
                {
                    if (!reader.Read())
                        return Step.NeedMore;
                    Commit(ref reader, baseStart);
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        _phase = Phase.Done;
                        return Step.Done;
                    }
                    _property = JsonShapes.IsResults(ref reader) ? PropertyKind.Results
                        : JsonShapes.IsSchema(ref reader) ? PropertyKind.Schema
                        : PropertyKind.Other;
                    _phase = Phase.ObjectValue;
                    break;
                }
                case Phase.ObjectValue:
                {
                    if (!reader.Read())
                        return Step.NeedMore;
                    if (_property == PropertyKind.Results && reader.TokenType == JsonTokenType.StartArray)
                    {
                        Commit(ref reader, baseStart);
                        _phase = Phase.Rows;
                        break;
                    }
                    var start = baseStart + (int)reader.TokenStartIndex;
                    var isArray = reader.TokenType == JsonTokenType.StartArray;
                    if (!TrySkipOrPend(ref reader, start, isRow: false, Phase.Object))
                        return Step.NeedMore;
                    if (_property == PropertyKind.Schema && isArray)
                        OnSchema(_window.Slice(start, baseStart + (int)reader.BytesConsumed), _window.LineAt(start));
                    Commit(ref reader, baseStart);
                    _phase = Phase.Object;
                    break;
                }
                case Phase.Rows:
                {
                    if (!reader.Read())
                        return Step.NeedMore;
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        Commit(ref reader, baseStart);
                        _phase = _shape == JsonShape.GraphResponse ? Phase.Object : Phase.Done;
                        if (_phase == Phase.Done)
                            return Step.Done;
                        break;
                    }
                    var start = baseStart + (int)reader.TokenStartIndex;
                    _elementLine = _window.LineAt(start);
                    _inElement = true;
                    if (!TrySkipOrPend(ref reader, start, isRow: true, Phase.Rows))
                        return Step.NeedMore;
                    _elementStart = start;
                    _elementEnd = baseStart + (int)reader.BytesConsumed;
                    Commit(ref reader, baseStart);
                    _inElement = false;
                    return Step.Element;
                }
                case Phase.Skipping:
                {
                    if (!reader.Read())
                        return Step.NeedMore;
                    Commit(ref reader, baseStart);
                    if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && reader.CurrentDepth == _skipDepth)
                    {
                        _phase = _skipReturn;
                        if (_skipIsRow)
                            return Step.OversizeSkipped;
                    }
                    break;
                }
                default:
                    return Step.Done;
            }
        }
    }

    /// <summary>Skips the object or array the reader is on; when it does not fit yet, notes where it began.</summary>
    private bool TrySkipOrPend(ref Utf8JsonReader reader, int start, bool isRow, Phase returnTo)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            return true;
        var depth = reader.CurrentDepth;
        if (reader.TrySkip())
            return true;
        _pendingStart = start;
        _pendingDepth = depth;
        _pendingIsRow = isRow;
        _pendingLine = _window.LineAt(start);
        _pendingReturn = returnTo;
        return false;
    }

    private void Commit(ref Utf8JsonReader reader, int baseStart)
    {
        _window.Advance(baseStart + (int)reader.BytesConsumed);
        _state = reader.CurrentState;
    }

    private void OnSchema(ReadOnlySpan<byte> schemaArray, long line)
    {
        // Rows read before the schema (results first) already decided the columns.
        if (_ingest is not null)
            return;
        var names = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(schemaArray);
            reader.Read();
            JsonShapes.ReadSchemaNames(ref reader, names);
        }
        catch (InvalidOperationException)
        {
            _schemaProblem = $"line {line}: a schema column name is not valid UTF-8";
            return;
        }
        // An unusable schema is not fatal yet: the first row's own names may still do.
        if (!TryBegin(names, out var missing))
            _schemaProblem = $"line {line}: the schema lacks columns {missing}";
    }
}

/// <summary>
/// One JSON row, by schema position: string values unescaped, numbers as their text, booleans as
/// true/false, null as empty, objects and arrays as their raw JSON text.
/// </summary>
/// <remarks>
/// Only the positions asked for are kept (the ten or so the mapper reads, of some sixty), so the
/// per-row cost is a name lookup per property, not a copy of every value. Reused row after row.
/// </remarks>
internal sealed class JsonRow : IDefenderRow
{
    // Column names are short; a longer property name cannot be one of them.
    private const int MaxNameChars = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _positions;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly char[] _name = new char[MaxNameChars];
    private char[] _chars = new char[4096];
    private int _used;

    public JsonRow(IReadOnlyList<string> names, IEnumerable<int> wanted)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var position in wanted)
            positions.TryAdd(names[position], position);
        _positions = positions.GetAlternateLookup<ReadOnlySpan<char>>();
        _starts = new int[names.Count];
        _lengths = new int[names.Count];
    }

    public ReadOnlySpan<char> this[int position] =>
        (uint)position < (uint)_lengths.Length ? _chars.AsSpan(_starts[position], _lengths[position]) : [];

    /// <summary>Reads the object the reader is on (a complete <paramref name="element"/>) through its end.</summary>
    public void Fill(ref Utf8JsonReader reader, ReadOnlySpan<byte> element)
    {
        Array.Clear(_lengths);
        _used = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var position = Position(ref reader);
            reader.Read();
            if (position < 0)
                reader.Skip();
            else
                Store(ref reader, element, position);
        }
    }

    private int Position(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length > MaxNameChars)
            return -1;
        var length = reader.CopyString(_name);
        return _positions.TryGetValue(_name.AsSpan(0, length), out var position) ? position : -1;
    }

    private void Store(ref Utf8JsonReader reader, ReadOnlySpan<byte> element, int position)
    {
        var start = _used;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                Reserve(reader.ValueSpan.Length);
                _used += reader.CopyString(_chars.AsSpan(_used));
                break;
            case JsonTokenType.Number:
                Transcode(reader.ValueSpan);
                break;
            case JsonTokenType.True:
                Transcode("true"u8);
                break;
            case JsonTokenType.False:
                Transcode("false"u8);
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
            {
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                Transcode(element[from..(int)reader.BytesConsumed]);
                break;
            }
            default:
                // null: an absent value.
                break;
        }
        _starts[position] = start;
        _lengths[position] = _used - start;
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
}

/// <summary>
/// A window on a stream: the bytes not yet consumed, refilled on demand, and the 1-based line the
/// first of them is on. Grows only while one row does not fit, up to a fixed limit.
/// </summary>
internal sealed class ByteWindow(Stream stream, int initialSize, int maxSize)
{
    private byte[] _buffer = new byte[initialSize];

    public int Start { get; private set; }

    public int End { get; private set; }

    /// <summary>True once the stream has no more bytes: what is in the window is all there is.</summary>
    public bool IsFinal { get; private set; }

    /// <summary>The line <see cref="Start"/> is on.</summary>
    public long Line { get; private set; } = 1;

    public ReadOnlySpan<byte> Unconsumed => _buffer.AsSpan(Start, End - Start);

    /// <summary>Bytes at buffer positions; valid until the next <see cref="Refill"/>.</summary>
    public ReadOnlySpan<byte> Slice(int from, int to) => _buffer.AsSpan(from, to - from);

    public long LineAt(int position) => Line + _buffer.AsSpan(Start, position - Start).Count((byte)'\n');

    public void Advance(int position)
    {
        Line += _buffer.AsSpan(Start, position - Start).Count((byte)'\n');
        Start = position;
    }

    /// <summary>Moves the unconsumed bytes to the front, grows the buffer if they fill it, and reads until it is full or the stream ends.</summary>
    public void Refill()
    {
        if (IsFinal)
            return;
        var pending = End - Start;
        var target = _buffer;
        if (pending == _buffer.Length)
        {
            if (_buffer.Length >= maxSize)
                throw new InvalidOperationException("The window is full; the caller should have rejected the row as too large.");
            target = new byte[(int)Math.Min(maxSize, _buffer.Length * 2L)];
        }
        else if (_buffer.Length > initialSize && pending <= initialSize / 2)
        {
            // Give back the memory a large row needed.
            target = new byte[initialSize];
        }
        if (Start > 0 || target != _buffer)
        {
            _buffer.AsSpan(Start, pending).CopyTo(target);
            _buffer = target;
            Start = 0;
            End = pending;
        }
        while (End < _buffer.Length)
        {
            var read = stream.Read(_buffer.AsSpan(End));
            if (read == 0)
            {
                IsFinal = true;
                break;
            }
            End += read;
        }
    }
}
