using Cadence.Telemetry;

namespace Cadence.Sources;

/// <summary>
/// The account of everything read: per input, how many events were read and how many rows were
/// skipped (normal: rows of other tables in a union export) or rejected (malformed), by reason,
/// with the first few of each kept with their file:line. Nothing read goes unaccounted.
/// </summary>
/// <remarks>Not thread-safe: readers report from the single consuming thread, in input order.</remarks>
public sealed class IngestLog(bool strict = false, int examplesPerReason = 3)
{
    private readonly List<InputIngest> _inputs = [];
    private readonly List<string> _warnings = [];

    public bool Strict { get; } = strict;

    public int ExamplesPerReason { get; } = examplesPerReason;

    public IReadOnlyList<InputIngest> Inputs => _inputs;

    /// <summary>Problems with whole inputs that did not stop the run (a gzip stream shorter than its trailer says).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public void Warn(string message)
    {
        lock (_warnings)
            _warnings.Add(message);
    }

    public long EventsRead => _inputs.Sum(i => i.EventsRead);

    public long RowsSkipped => _inputs.Sum(i => i.RowsSkipped);

    public long RowsRejected => _inputs.Sum(i => i.RowsRejected);

    /// <summary>Latest event timestamp read over all inputs, or null when no event was read.</summary>
    public long? LatestEventTicks => _inputs.Where(i => i.LatestEventTicks.HasValue).Select(i => i.LatestEventTicks).Max();

    public InputIngest Begin(InputFile input, string format, TelemetryFields provides)
    {
        var ingest = new InputIngest(this, input, format, provides);
        _inputs.Add(ingest);
        return ingest;
    }

    /// <summary>Every skip and reject reason with its total over all inputs, most frequent first.</summary>
    public IReadOnlyList<(string Reason, long Count)> TotalsByReason(RowDisposition disposition) =>
        _inputs.SelectMany(i => disposition == RowDisposition.Skipped ? i.SkippedByReason : i.RejectedByReason)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(kv => kv.Value)))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToList();

    public IEnumerable<RowProblem> Examples => _inputs.SelectMany(i => i.Examples);
}

public enum RowDisposition
{
    Skipped,
    Rejected,
}

/// <summary>A row that was not turned into an event, with where it is and why.</summary>
/// <param name="Reason">A short, stable reason used for counting ("unparsable timestamp").</param>
/// <param name="Detail">The specifics of this row (which value, which column).</param>
public sealed record RowProblem(InputFile Input, long Line, RowDisposition Disposition, string Reason, string Detail)
{
    public override string ToString() => $"{Input.DisplayName}:{Line}: {Reason}: {Detail}";
}

/// <summary>The account of one input.</summary>
public sealed class InputIngest
{
    private readonly IngestLog _log;
    private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly List<RowProblem> _examples = [];

    internal InputIngest(IngestLog log, InputFile input, string format, TelemetryFields provides)
    {
        _log = log;
        Input = input;
        Format = format;
        Provides = provides;
    }

    public InputFile Input { get; }

    /// <summary>The format detected from the content.</summary>
    public string Format { get; }

    /// <summary>The normalized fields this input carries (decided from its header or schema).</summary>
    public TelemetryFields Provides { get; }

    public long EventsRead { get; private set; }

    public long RowsSkipped { get; private set; }

    public long RowsRejected { get; private set; }

    public long? LatestEventTicks { get; private set; }

    public IReadOnlyDictionary<string, long> SkippedByReason => _skipped;

    public IReadOnlyDictionary<string, long> RejectedByReason => _rejected;

    public IReadOnlyList<RowProblem> Examples => _examples;

    private readonly Dictionary<string, long> _notes = new(StringComparer.Ordinal);

    /// <summary>Informational counts about rows that were read (Zeek http records linked to their conn record).</summary>
    public IReadOnlyDictionary<string, long> Notes => _notes;

    public void Note(string what, long count = 1)
    {
        _notes.TryGetValue(what, out var before);
        _notes[what] = before + count;
    }

    public void CountEvent(long timestampTicks)
    {
        EventsRead++;
        if (LatestEventTicks is not { } latest || timestampTicks > latest)
            LatestEventTicks = timestampTicks;
    }

    public void Skip(long line, string reason, string detail) => Record(RowDisposition.Skipped, line, reason, detail);

    /// <summary>Counts a malformed row; in strict mode the first one ends the run.</summary>
    /// <exception cref="MalformedInputException">When the log is strict.</exception>
    public void Reject(long line, string reason, string detail)
    {
        if (_log.Strict)
            throw new MalformedInputException(new RowProblem(Input, line, RowDisposition.Rejected, reason, detail));
        Record(RowDisposition.Rejected, line, reason, detail);
    }

    /// <summary>Folds in the account of one range of this input, read on another thread; ranges must be folded in file order.</summary>
    public void Fold(RangeAccount range)
    {
        EventsRead += range.EventsRead;
        if (range.LatestEventTicks is { } latest && (LatestEventTicks is not { } mine || latest > mine))
            LatestEventTicks = latest;
        foreach (var (key, count) in range.Counts)
        {
            var counts = key.Disposition == RowDisposition.Skipped ? _skipped : _rejected;
            counts.TryGetValue(key.Reason, out var before);
            counts[key.Reason] = before + count;
            if (key.Disposition == RowDisposition.Skipped) RowsSkipped += count; else RowsRejected += count;
        }
        foreach (var example in range.Examples)
        {
            var shown = _examples.Count(e => e.Disposition == example.Disposition && e.Reason == example.Reason);
            if (shown < _log.ExamplesPerReason)
                _examples.Add(example with { Input = Input });
        }
    }

    private void Record(RowDisposition disposition, long line, string reason, string detail)
    {
        var counts = disposition == RowDisposition.Skipped ? _skipped : _rejected;
        counts.TryGetValue(reason, out var count);
        counts[reason] = count + 1;
        if (disposition == RowDisposition.Skipped) RowsSkipped++; else RowsRejected++;
        if (count < _log.ExamplesPerReason)
            _examples.Add(new RowProblem(Input, line, disposition, reason, detail));
    }
}

/// <summary>A malformed row in strict mode: the message names the file, the line and the reason.</summary>
public sealed class MalformedInputException(RowProblem problem) : Exception(problem.ToString())
{
    public RowProblem Problem { get; } = problem;
}

/// <summary>An input Cadence cannot read at all (unknown format, missing file, unreadable JSON document).</summary>
public sealed class UnreadableInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The account of one byte range of an input, kept by the thread that reads it: counts by reason
/// and the first few problems of each, never every row, so a file of garbage stays small.
/// </summary>
public sealed class RangeAccount(InputFile input, int examplesPerReason)
{
    private readonly Dictionary<(RowDisposition Disposition, string Reason), long> _counts = [];
    private readonly List<RowProblem> _examples = [];

    public long EventsRead { get; private set; }

    public long? LatestEventTicks { get; private set; }

    public IReadOnlyDictionary<(RowDisposition Disposition, string Reason), long> Counts => _counts;

    public IReadOnlyList<RowProblem> Examples => _examples;

    /// <summary>Books a row that gave an event at <paramref name="ticks"/>.</summary>
    public void RecordEvent(long ticks)
    {
        EventsRead++;
        if (LatestEventTicks is not { } latest || ticks > latest)
            LatestEventTicks = ticks;
    }

    public void Record(in RowOutcome outcome)
    {
        if (outcome.Kind == RowOutcomeKind.Event)
        {
            RecordEvent(outcome.EventTicks);
            return;
        }
        var disposition = outcome.Kind == RowOutcomeKind.Skipped ? RowDisposition.Skipped : RowDisposition.Rejected;
        var key = (disposition, outcome.Reason!);
        _counts.TryGetValue(key, out var count);
        _counts[key] = count + 1;
        if (count < examplesPerReason)
            _examples.Add(new RowProblem(input, outcome.Line, disposition, outcome.Reason!, outcome.Detail!));
    }
}
