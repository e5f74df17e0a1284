using System.Text;
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
        using var reader = Sep.New(',').Reader(o => o with
        {
            HasHeader = true,
            Unescape = true,
            // Rows with the wrong number of columns are counted and reported, not fatal.
            DisableColCountCheck = true,
        }).From(content);

        var names = reader.Header.ColNames;
        if (!DefenderSchema.TryResolve(names, out var schema, out var missing))
            throw new UnreadableInputException($"{input.DisplayName}:1: not a DeviceNetworkEvents export (missing columns: {missing})");

        var ingest = context.Log.Begin(input, Name, schema.Provides);
        var mapper = new DefenderRowMapper(schema, context.Pool, input);

        // Sep parses and maps rows on several threads and hands them back in input order, so
        // the account below stays single-threaded and deterministic.
        var outcomes = context.DegreeOfParallelism > 1
            ? reader.ParallelEnumerate(row => MapRow(row, mapper), context.DegreeOfParallelism)
            : reader.Enumerate(row => MapRow(row, mapper));
        foreach (var outcome in outcomes)
        {
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
    }

    private static RowOutcome MapRow(SepReader.Row row, DefenderRowMapper mapper)
    {
        // Under ParallelEnumerate, Sep 0.18 reports LineNumberFrom (and RowIndex) wrongly for the
        // last row of each batch, while LineNumberToExcl stays right (checked on 50,000 rows);
        // counting the row's own line breaks back from there gives the first line of the row.
        var line = row.LineNumberToExcl - 1 - row.Span.Count('\n');
        var count = row.ColCount;
        if (count != mapper.Schema.ColumnCount)
        {
            if (count == 1 && row[0].Span.IsWhiteSpace())
                return RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line");
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{count} columns, the header has {mapper.Schema.ColumnCount}");
        }
        return mapper.Map(new SepDefenderRow(row), line);
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
