using Cadence.Telemetry;

namespace Cadence.Sources;

/// <summary>What one raw row became: an event, a skipped row of another kind, or a rejected (malformed) row.</summary>
public readonly record struct RowOutcome
{
    public RowOutcomeKind Kind { get; private init; }

    public NetworkEvent Event { get; private init; }

    public long Line { get; private init; }

    public string? Reason { get; private init; }

    public string? Detail { get; private init; }

    public static RowOutcome Read(NetworkEvent e) => new() { Kind = RowOutcomeKind.Event, Event = e, Line = e.Provenance.Line, EventTicks = e.TimestampTicks };

    /// <summary>An event already handed to a sink: only what the account needs travels on.</summary>
    public static RowOutcome Delivered(long line, long ticks) => new() { Kind = RowOutcomeKind.Event, Line = line, EventTicks = ticks };

    public long EventTicks { get; private init; }

    public static RowOutcome Skipped(long line, string reason, string detail) =>
        new() { Kind = RowOutcomeKind.Skipped, Line = line, Reason = reason, Detail = detail };

    public static RowOutcome Rejected(long line, string reason, string detail) =>
        new() { Kind = RowOutcomeKind.Rejected, Line = line, Reason = reason, Detail = detail };

    /// <summary>Books the outcome in the input's account; returns true when it carries an event.</summary>
    public bool Account(InputIngest ingest)
    {
        switch (Kind)
        {
            case RowOutcomeKind.Event:
                ingest.CountEvent(EventTicks);
                return true;
            case RowOutcomeKind.Skipped:
                ingest.Skip(Line, Reason!, Detail!);
                return false;
            default:
                ingest.Reject(Line, Reason!, Detail!);
                return false;
        }
    }
}

public enum RowOutcomeKind
{
    Event,
    Skipped,
    Rejected,
}

/// <summary>The reasons rows are skipped or rejected, worded once so counts group cleanly.</summary>
public static class RowReasons
{
    public const string OtherTable = "row of another table (ActionType is not a network event)";
    public const string NoRemoteEndpoint = "network row without a remote endpoint";
    public const string BlankLine = "blank line";
    public const string WrongColumnCount = "wrong column count";
    public const string BadTimestamp = "unparsable timestamp";
    public const string BadPort = "unparsable port";
    public const string BadByteCount = "unparsable byte count";
    public const string BadJson = "broken JSON";
    public const string NotAnObject = "JSON row is not an object";
    public const string LineTooLong = "line too long";
}
