using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;
using nietras.SeparatedValues;

namespace Cadence.Sources.Defender;

/// <summary>
/// DeviceNetworkEvents exported as CSV from Defender XDR advanced hunting or Sentinel:
/// header-driven (any column order, extra columns ignored), RFC 4180 quoting, UTF-8 with or
/// without BOM, CRLF or LF, and union exports mixing tables.
/// </summary>
public sealed class DefenderCsvFormat : ITelemetryFormat
{
    public string Name => "Defender DeviceNetworkEvents CSV";

    public TelemetryFields MayProvide => DefenderSchema.AllFields;

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var firstLine = head;
        var end = head.IndexOfAny((byte)'\n', (byte)'\r');
        if (end >= 0)
            firstLine = head[..end];
        if (firstLine.IsEmpty || firstLine[0] is (byte)'{' or (byte)'[')
            return false;
        var names = SplitHeader(Encoding.UTF8.GetString(firstLine));
        return DefenderSchema.LooksLikeDeviceNetworkEvents(names);
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        using var reader = Open(content, input, context, out var ingest, out var mapper);
        foreach (var e in Read(reader, ingest, mapper))
        {
            if (DefenderProcessJoin.TryHold(e, context))
                continue;
            yield return e;
        }
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => context.StateOf<DefenderProcessJoin>().Release(context);

    // Below this, splitting the file costs more than a second thread saves.
    private const long MinBytesToSplit = 4 << 20;

    public void ReadInto(Stream content, InputFile input, ReadContext context, IEventSink sink)
    {
        using var reader = Open(content, input, context, out var ingest, out var mapper);
        if (context.DegreeOfParallelism <= 1)
        {
            foreach (var row in reader)
                MapRow(row, mapper, sink, context).Account(ingest);
            return;
        }

        // Strict mode must stop at the first malformed row of the file, which ranges read side
        // by side cannot promise; it takes the ordered pipeline below.
        if (input.PlainFilePath is { } path && !context.Log.Strict && new FileInfo(path).Length >= MinBytesToSplit
            && TryReadRanges(path, context, ingest, mapper, sink))
            return;

        MapInOrder(reader, 0, context, ingest, mapper, sink);
    }

    /// <summary>
    /// Rows are parsed, mapped and delivered to the sink on Sep's worker threads; only a small
    /// outcome comes back, in input order, so the account stays single-threaded and the
    /// examples it keeps are the first ones in the file.
    /// </summary>
    /// <param name="lineOffset">Lines before the first row the reader sees (0 when it reads the file from its header).</param>
    private static void MapInOrder(SepReader reader, long lineOffset, ReadContext context, InputIngest ingest, DefenderRowMapper mapper, IEventSink sink)
    {
        var outcomes = reader.ParallelEnumerate(row => MapRow(row, mapper, sink, context, lineOffset), context.DegreeOfParallelism);
        foreach (var outcome in outcomes)
            outcome.Account(ingest);
    }

    /// <summary>
    /// Reads an uncompressed file as independent ranges of whole rows, on every core: rows go
    /// to the sink on the thread that parsed them and each range keeps its own account, folded
    /// into the input's in file order afterwards. False when no range could be read (a carriage
    /// return alone near the start): the caller reads the file in order from its header.
    /// </summary>
    private static bool TryReadRanges(string path, ReadContext context, InputIngest ingest, DefenderRowMapper mapper, IEventSink sink)
    {
        var read = CsvSplitter.ReadRanges(path, context.DegreeOfParallelism, context.Progress, static () => 0, (chunk, text, _) =>
        {
            var account = new RangeAccount(ingest.Input, context.Log.ExamplesPerReason);
            using var reader = OpenRange(text);
            // Rows are read in order here, so each starts on the line the previous one ended
            // before: no need to count a row's line breaks back from its end (as MapRow does).
            var line = chunk.FirstLine;
            foreach (var row in reader)
            {
                if (row.ColCount != mapper.Schema.ColumnCount)
                    account.Record(ColumnCountProblem(row, mapper, line));
                else if (mapper.TryDeliver(new SepDefenderRow(row), line, sink, context, out var ticks, out var refused))
                    account.RecordEvent(ticks);
                else
                    account.Record(refused.At(line));
                line = chunk.FirstLine + row.LineNumberToExcl - 1;
            }
            return account;
        });
        if (!read.AnyRead)
            return false;
        foreach (var account in read.Results)
            ingest.Fold(account);
        // From a carriage return alone on, the rows are read in order, as the whole file would be.
        if (read.Rest is { } rest)
        {
            using var text = new FileRangeTextReader(path, rest.Offset, rest.Length, context.Progress);
            using var reader = OpenRange(text);
            MapInOrder(reader, rest.FirstLine - 1, context, ingest, mapper, sink);
        }
        return true;
    }

    private static SepReader OpenRange(TextReader text) =>
        Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).From(text);

    private static IEnumerable<NetworkEvent> Read(SepReader reader, InputIngest ingest, DefenderRowMapper mapper)
    {
        foreach (var outcome in reader.Enumerate(row => MapRow(row, mapper)))
        {
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
    }

    private SepReader Open(Stream content, InputFile input, ReadContext context, out InputIngest ingest, out DefenderRowMapper mapper)
    {
        var reader = Sep.New(',').Reader(o => o with
        {
            HasHeader = true,
            Unescape = true,
            // Rows with the wrong number of columns are counted and reported, not fatal.
            DisableColCountCheck = true,
        }).From(content);

        var names = reader.Header.ColNames;
        if (!DefenderSchema.TryResolve(names, out var schema, out var missing))
        {
            reader.Dispose();
            throw new UnreadableInputException($"{input.DisplayName}:1: not a DeviceNetworkEvents export (missing columns: {missing})");
        }
        ingest = context.Log.Begin(input, Name, schema.Provides);
        mapper = new DefenderRowMapper(schema, context.Pool, input);
        return reader;
    }

    /// <summary>Maps a row and delivers its event to <paramref name="sink"/>; returns what the account needs.</summary>
    /// <param name="lineOffset">Lines before the first row the reader sees (0 when it reads the file from its header).</param>
    private static RowOutcome MapRow(SepReader.Row row, DefenderRowMapper mapper, IEventSink sink, ReadContext context, long lineOffset = 0)
    {
        if (!TryLine(row, mapper, lineOffset, out var line, out var problem))
            return problem;
        return mapper.MapInto(new SepDefenderRow(row), line, sink, context);
    }

    /// <param name="lineOffset">Lines before the first row the reader sees (0 when it reads the file from its header).</param>
    private static RowOutcome MapRow(SepReader.Row row, DefenderRowMapper mapper, long lineOffset = 0)
    {
        if (!TryLine(row, mapper, lineOffset, out var line, out var problem))
            return problem;
        return mapper.Map(new SepDefenderRow(row), line);
    }

    /// <summary>The row's first line; false with the outcome when the row is blank or has the wrong number of columns.</summary>
    private static bool TryLine(SepReader.Row row, DefenderRowMapper mapper, long lineOffset, out long line, out RowOutcome problem)
    {
        problem = default;
        // Under ParallelEnumerate, Sep 0.18 reports LineNumberFrom (and RowIndex) wrongly for the
        // last row of each batch, while LineNumberToExcl stays right (checked on 50,000 rows);
        // counting the row's own line breaks back from there gives the first line of the row.
        line = lineOffset + row.LineNumberToExcl - 1 - row.Span.Count('\n');
        var count = row.ColCount;
        if (count == mapper.Schema.ColumnCount)
            return true;
        problem = ColumnCountProblem(row, mapper, line);
        return false;
    }

    private static RowOutcome ColumnCountProblem(SepReader.Row row, DefenderRowMapper mapper, long line)
    {
        var count = row.ColCount;
        if (count == 1 && row[0].Span.IsWhiteSpace())
            return RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line");
        // A quote left open swallows the lines after it into one row: say so, or the analyst
        // sees one odd reject where thousands of rows went.
        var spans = row.Span.Count('\n') + 1;
        var hint = spans > 1 ? $"; the row spans {spans:N0} lines from here: an unterminated quote?" : string.Empty;
        return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{count} columns, the header has {mapper.Schema.ColumnCount}{hint}");
    }

    private readonly ref struct SepDefenderRow(SepReader.Row row) : IDefenderRow
    {
        private readonly SepReader.Row _row = row;

        public ReadOnlySpan<char> this[int position] => _row[position].Span;
    }

    internal static List<string> SplitHeader(string line)
    {
        // Only for recognition: the real parse is Sep's. Header names never contain commas.
        return [.. line.TrimStart('\uFEFF').Split(',').Select(n => n.Trim().Trim('"'))];
    }
}
