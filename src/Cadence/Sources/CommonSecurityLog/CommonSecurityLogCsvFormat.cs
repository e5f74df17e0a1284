using System.Text;
using Cadence.Telemetry;
using nietras.SeparatedValues;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// Sentinel's CommonSecurityLog (CEF and syslog from firewalls and proxies) exported from Log
/// Analytics as CSV: header-driven (any column order, extra columns ignored, the portal's
/// "TimeGenerated [UTC]" names included), RFC 4180 quoting, UTF-8 with or without BOM.
/// </summary>
public sealed class CommonSecurityLogCsvFormat : ITelemetryFormat
{
    public string Name => "Sentinel CommonSecurityLog CSV";

    public TelemetryFields MayProvide => CommonSecurityLogSchema.AllFields;

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        var firstLine = head;
        var end = head.IndexOfAny((byte)'\n', (byte)'\r');
        if (end >= 0)
            firstLine = head[..end];
        if (firstLine.IsEmpty || firstLine[0] is (byte)'{' or (byte)'[' or (byte)'#')
            return false;
        // Only for recognition: the real parse is Sep's. Header names never contain commas.
        var names = Encoding.UTF8.GetString(firstLine).Split(',');
        return CommonSecurityLogSchema.LooksLikeCommonSecurityLog(names);
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

        if (!CommonSecurityLogSchema.TryResolve(reader.Header.ColNames, out var schema, out var missing))
            throw new UnreadableInputException($"{input.DisplayName}:1: not a CommonSecurityLog export (missing columns: {missing})");
        var ingest = context.Log.Begin(input, Name, schema.Provides);
        var mapper = new CommonSecurityLogMapper(context.Pool, input);
        foreach (var outcome in reader.Enumerate(row => MapRow(row, schema, mapper)))
        {
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
    }

    private static RowOutcome MapRow(SepReader.Row row, CommonSecurityLogSchema schema, CommonSecurityLogMapper mapper)
    {
        // The first line of the row, which spans several when a quoted cell holds line breaks.
        var line = row.LineNumberToExcl - 1 - row.Span.Count('\n');
        var count = row.ColCount;
        if (count != schema.ColumnCount)
        {
            if (count == 1 && row[0].Span.IsWhiteSpace())
                return RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line");
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{count} columns, the header has {schema.ColumnCount}");
        }
        return mapper.Map(new CsvRecord(row, schema), line);
    }

    private readonly ref struct CsvRecord : ICommonSecurityLogRecord
    {
        private readonly SepReader.Row _row;
        private readonly CommonSecurityLogSchema _schema;

        public CsvRecord(SepReader.Row row, CommonSecurityLogSchema schema)
        {
            _row = row;
            _schema = schema;
        }

        public ReadOnlySpan<char> this[CommonSecurityLogColumn column] =>
            _schema.Position(column) is var position && position >= 0 ? _row[position].Span : [];

        public string NameOf(CommonSecurityLogColumn column) => column.ToString();

        public bool TryReadTimestamp(out long utcTicks, out string problem)
        {
            var text = this[CommonSecurityLogColumn.TimeGenerated];
            problem = LogAnalyticsTime.TryParseUtcTicks(text, out utcTicks) ? string.Empty : $"TimeGenerated '{CommonSecurityLogMapper.Clip(text)}'";
            return problem.Length == 0;
        }
    }
}
