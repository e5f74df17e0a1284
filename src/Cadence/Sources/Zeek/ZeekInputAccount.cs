using Cadence.Telemetry;

namespace Cadence.Sources.Zeek;

/// <summary>
/// The account of one Zeek input, or of one range of it read on its own thread, kept while it
/// is read. The input's entry in the <see cref="IngestLog"/> is opened only when the input is
/// done, once its records have shown which logs it holds: one file of JSON lines may carry
/// conn, http and ssl records at once, and what it provides is all of theirs.
/// </summary>
internal sealed class ZeekInputAccount(InputFile input, IngestLog log)
{
    private const string HeldNote = "http/ssl records held to enrich their conn.log record (linked by uid)";
    private const string HeldOpenNote = "open-connection records (conn_long/open_conn) held until conn.log is read (by uid)";

    private readonly RangeAccount _rows = new(input, log.ExamplesPerReason);

    /// <summary>The #path or _path of the first record, naming the input in summaries.</summary>
    public string? FirstPath { get; private set; }

    /// <summary>The normalized fields of every log a record came from.</summary>
    public TelemetryFields Provides { get; private set; }

    public long Held { get; private set; }

    public void Saw(string path, ZeekLogKind kind)
    {
        FirstPath ??= path;
        Provides |= ZeekFields.Provides(kind);
    }

    public void CountHeld() => Held++;

    /// <summary>Records of still-open connections held by uid (see <see cref="ZeekLinks.AddOpen"/>).</summary>
    public long HeldOpen { get; private set; }

    public void CountHeldOpen() => HeldOpen++;

    /// <summary>Events read, counted here rather than as outcomes: one counter on the hot path.</summary>
    public long Events { get; private set; }

    public long LatestTicks { get; private set; } = long.MinValue;

    public void CountEvent(long ticks)
    {
        Events++;
        if (ticks > LatestTicks)
            LatestTicks = ticks;
    }

    /// <summary>Books one row; in strict mode the first malformed one ends the run.</summary>
    /// <exception cref="MalformedInputException">A rejected row when the log is strict.</exception>
    public void Record(in RowOutcome outcome)
    {
        if (log.Strict && outcome.Kind == RowOutcomeKind.Rejected)
            throw new MalformedInputException(new RowProblem(input, outcome.Line, RowDisposition.Rejected, outcome.Reason!, outcome.Detail!));
        _rows.Record(outcome);
    }

    /// <summary>Opens the input's entry and folds in the accounts of its ranges, which must be in file order.</summary>
    public static InputIngest Close(ReadContext context, InputFile input, string form, IReadOnlyList<ZeekInputAccount> ranges)
    {
        var log = context.Log;
        var path = ranges.Select(r => r.FirstPath).FirstOrDefault(p => !string.IsNullOrEmpty(p));
        var provides = ranges.Aggregate(TelemetryFields.None, (all, r) => all | r.Provides);
        var ingest = log.Begin(input, path is null ? $"Zeek log ({form})" : $"Zeek {path} log ({form})", provides);
        foreach (var range in ranges)
        {
            ingest.Fold(range._rows);
            // InputIngest counts events one at a time: about a millisecond per million.
            for (var i = 0; i < range.Events; i++)
                ingest.CountEvent(range.LatestTicks);
        }
        var held = ranges.Sum(r => r.Held);
        if (held > 0)
            ingest.Note(HeldNote, held);
        var heldOpen = ranges.Sum(r => r.HeldOpen);
        if (heldOpen > 0)
            ingest.Note(HeldOpenNote, heldOpen);
        if (ranges.Any(r => r.Events > 0))
            context.StateOf<ZeekLinks>().ConnInputRead(input);
        return ingest;
    }
}
