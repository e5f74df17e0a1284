using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;
using nietras.SeparatedValues;

namespace Cadence.Sources.Zeek;

/// <summary>
/// Zeek's conn.log, http.log and ssl.log in the native TSV form, gzip or not, rotated names and
/// all (recognized from the #separator header, never from the name). http and ssl records are
/// linked to their connection by uid: the conn record gives time, addresses, bytes, duration and
/// state; the first HTTP request gives the CONNECT target or Host, URL, method, user agent and
/// status; the TLS handshake gives the server name and JA3/JA3S. conn_long.log and open_conn.log
/// records (connections still open) are held by uid, one per connection, for conn.log to drop
/// (see <see cref="ZeekLinks"/>).
/// </summary>
/// <remarks>
/// Lines are split by Sep with quoting off (Zeek escapes instead of quoting). An uncompressed
/// file is read as independent ranges of lines, one thread each, as the Defender CSV reader
/// does; header blocks may appear anywhere (rotations concatenated), so each range starts from
/// the directives in force where it begins, found by <see cref="ZeekLineSplitter"/>.
/// </remarks>
public sealed class ZeekLogFormat : ITelemetryFormat
{
    // Below this, splitting the file costs more than a second thread saves.
    private const long MinBytesToSplit = 4 << 20;

    public string Name => "Zeek conn/http/ssl log (TSV)";

    public TelemetryFields MayProvide =>
        ZeekFields.Provides(ZeekLogKind.Conn) | ZeekFields.Provides(ZeekLogKind.Http) | ZeekFields.Provides(ZeekLogKind.Ssl);

    public bool Recognizes(ReadOnlySpan<byte> head) => head.StartsWith("#separator "u8);

    /// <summary>
    /// Logs that enrich conn.log (http, ssl) and the logs of connections still open (conn_long,
    /// open_conn) go first: their records are held by uid for the conn records read after them.
    /// </summary>
    public int ReadOrder(ReadOnlySpan<byte> head) => PathOf(head) is { } path && ZeekFields.KindOf(path) is ZeekLogKind.Http or ZeekLogKind.Ssl or ZeekLogKind.OpenConn ? -1 : 0;

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        var account = new ZeekInputAccount(input, context.Log);
        var stream = PeekSeparator(content, out var separator);
        var range = new ZeekTsvRange(ZeekTsvHeader.Initial, separator, 0, Mapper(input, context), account);
        using (var reader = Open(stream, separator))
        {
            var held = new ZeekEventHolder();
            foreach (var e in reader.Enumerate(row => range.TryNext(row, held) ? held.Event : (NetworkEvent?)null))
            {
                if (e is { } read)
                    yield return read;
            }
        }
        ZeekInputAccount.Close(context, input, "TSV", [account]);
    }

    public void ReadInto(Stream content, InputFile input, ReadContext context, IEventSink sink)
    {
        // Strict mode must stop at the first malformed row of the file, which ranges read side
        // by side cannot promise; it takes the ordered path.
        if (context.DegreeOfParallelism > 1 && !context.Log.Strict && input.PlainFilePath is { } path
            && new FileInfo(path).Length >= MinBytesToSplit && Plan(path, context) is { } plan)
        {
            ReadRanges(path, input, context, plan, sink);
            return;
        }
        foreach (var e in Read(content, input, context))
            sink.Accept(e);
    }

    public IEnumerable<NetworkEvent> Finish(ReadContext context) => context.StateOf<ZeekLinks>().Unclaimed(context);

    /// <summary>Defender's words for Zeek's connection states, so the seed rule's ActionType filter means the same thing.</summary>
    internal static string ActionTypeOf(string? connState) => ZeekRecordMapper.ActionTypeOf(connState, connState is not null);

    /// <summary>The ranges to read and the header in force at the start of each; null when a range reader cannot take the file.</summary>
    private static List<(LineChunk Chunk, ZeekTsvHeader Header)>? Plan(string path, ReadContext context)
    {
        var threads = context.DegreeOfParallelism;
        var (chunks, directives) = ZeekLineSplitter.Split(path, RangeWorkers.RangesFor(new FileInfo(path).Length, threads), threads, findDirectives: true);
        var plan = new List<(LineChunk, ZeekTsvHeader)>(chunks.Count);
        var header = ZeekTsvHeader.Initial;
        var next = 0;
        foreach (var chunk in chunks)
        {
            while (next < directives.Count && directives[next].Offset < chunk.Offset)
                header = header.Apply(directives[next++].Text);
            plan.Add((chunk, header));
        }
        // Ranges are split on tabs; a log written with another separator (never seen in practice) takes the ordered path.
        return directives.Any(d => d.Text.StartsWith("#separator ", StringComparison.Ordinal)
            && ZeekTsvHeader.Initial.Apply(d.Text).Separator != '\t') ? null : plan;
    }

    /// <summary>
    /// Reads the ranges on their own threads: events go to the sink on the thread that parsed
    /// them, and each range keeps its own account, folded into the input's in file order.
    /// </summary>
    private static void ReadRanges(string path, InputFile input, ReadContext context, List<(LineChunk Chunk, ZeekTsvHeader Header)> plan, IEventSink sink)
    {
        var accounts = new ZeekInputAccount[plan.Count];
        RangeWorkers.ForEach(plan.Count, context.DegreeOfParallelism, () => Mapper(input, context), (i, mapper) =>
        {
            var (chunk, header) = plan[i];
            var account = accounts[i] = new ZeekInputAccount(input, context.Log);
            var range = new ZeekTsvRange(header, '\t', chunk.FirstLine - 1, mapper, account);
            using var text = new FileRangeTextReader(path, chunk.Offset, chunk.Length, context.Progress);
            using var reader = Open(text, '\t');
            foreach (var row in reader)
                range.TryNext(row, sink);
        });
        ZeekInputAccount.Close(context, input, "TSV", accounts);
    }

    private static ZeekRecordMapper Mapper(InputFile input, ReadContext context) =>
        new(context.StateOf<ZeekLinks>(), input);

    private static SepReader Open(Stream stream, char separator) => Options(separator).From(stream);

    private static SepReader Open(TextReader text, char separator) => Options(separator).From(text);

    private static SepReaderOptions Options(char separator) =>
        Sep.New(separator).Reader(o => o with
        {
            HasHeader = false,
            // Zeek never quotes: a '"' is data (user agents, URIs), and separators inside values are \x09-escaped.
            DisableQuotesParsing = true,
            // Rows with the wrong number of fields are counted and reported, not fatal.
            DisableColCountCheck = true,
        });

    /// <summary>Reads the first line to learn the separator the log declares, and gives back a stream that replays it.</summary>
    private static Stream PeekSeparator(Stream content, out char separator)
    {
        var head = new byte[256];
        var length = 0;
        int b;
        while (length < head.Length && (b = content.ReadByte()) >= 0)
        {
            head[length++] = (byte)b;
            if (b == '\n')
                break;
        }
        var first = Encoding.UTF8.GetString(head, 0, length).TrimStart('\uFEFF').TrimEnd('\n', '\r');
        separator = ZeekTsvHeader.Initial.Apply(first).Separator;
        return new PeekableStream(head, length, content);
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
}

/// <summary>
/// Reads a stretch of a Zeek TSV log row by row, from the header in force where it starts:
/// applies the directives it meets, maps records through the shared mapping, and books each
/// row in its account.
/// </summary>
/// <param name="splitOn">The separator the Sep reader splits on.</param>
/// <param name="lineOffset">Lines of the file before the stretch.</param>
internal sealed class ZeekTsvRange(ZeekTsvHeader header, char splitOn, long lineOffset, ZeekRecordMapper mapper, ZeekInputAccount account)
{
    private const string OtherLogDetail = ZeekFields.OtherLogDetail;

    private ZeekTsvHeader _header = header;
    private string? _otherLogReason;

    /// <summary>Hands the event the row becomes, if any, to <paramref name="sink"/>; every row is booked either way.</summary>
    public bool TryNext(SepReader.Row row, IEventSink sink)
    {
        // Sep 0.18 gives the first row of a reader LineNumberFrom 2 (checked on 1M lines: every
        // other row is right), while LineNumberToExcl is always right; with quoting off a row is
        // exactly one line, so the line it ends before, less one, is its own.
        var line = lineOffset + row.LineNumberToExcl - 1;
        var header = _header;
        if (row.ColCount == header.Fields.Count && header.Kind == ZeekLogKind.Conn && header.Missing is null && header.Separator == splitOn)
        {
            // A line starting with '#' is a directive, whatever its tabs.
            var first = row[0].Span;
            if (first.IsEmpty || first[0] != '#')
            {
                account.Saw(header.Path, header.Kind);
                if (mapper.TryMapConn(new ZeekTsvRecord(row, header), line, sink, out var ticks))
                {
                    account.CountEvent(ticks);
                    return true;
                }
                account.Record(mapper.Problem);
                return false;
            }
        }
        NotConn(row, line);
        return false;
    }

    /// <summary>Directives, blank lines, and every record but a well-formed conn record: applied, held, skipped or rejected.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NotConn(SepReader.Row row, long line)
    {
        var text = row.Span;
        if (text.Length > 0 && text[0] == '#')
        {
            _header = _header.Apply(text);
            _otherLogReason = null;
            return;
        }
        if (row.ColCount == 1 && text.IsWhiteSpace())
        {
            account.Record(RowOutcome.Skipped(line, RowReasons.BlankLine, "empty line"));
            return;
        }
        account.Saw(_header.Path, _header.Kind);
        if (Problem(row, line) is { } booked)
            account.Record(booked);
    }

    /// <summary>Every row but a well-formed conn record: held, skipped or rejected.</summary>
    private RowOutcome? Problem(SepReader.Row row, long line)
    {
        var header = _header;
        if (header.Separator != splitOn)
            return RowOutcome.Rejected(line, "unsupported separator change", $"#separator changed to '{header.Separator}' mid-file; lines are split on the first one");
        if (!header.HasFields)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, "a record before any #fields header");
        if (header.Missing is { } missing)
            return RowOutcome.Rejected(line, "missing Zeek fields", $"#fields lacks {missing}");
        if (row.ColCount != header.Fields.Count)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{row.ColCount} fields, #fields has {header.Fields.Count}");

        switch (header.Kind)
        {
            case ZeekLogKind.Http:
            case ZeekLogKind.Ssl:
                if (mapper.Hold(header.Kind, new ZeekTsvRecord(row, header), line) is { } rejected)
                    return rejected;
                account.CountHeld();
                return null;
            case ZeekLogKind.OpenConn:
                if (mapper.HoldOpen(new ZeekTsvRecord(row, header), line) is { } refused)
                    return refused;
                account.CountHeldOpen();
                return null;
            case ZeekLogKind.Other:
                _otherLogReason ??= $"Zeek {header.Path} log: not a connection, HTTP or TLS record";
                return RowOutcome.Skipped(line, _otherLogReason, OtherLogDetail);
            default:
                throw new UnreachableException("TryNext maps every well-formed conn record itself.");
        }
    }
}

/// <summary>Keeps the one event a reader hands over, for the sequential paths that yield events one by one.</summary>
internal sealed class ZeekEventHolder : IEventSink
{
    public NetworkEvent Event { get; private set; }

    public void Accept(in NetworkEvent e) => Event = e;
}
