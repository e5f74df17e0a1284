using System.Globalization;
using System.Runtime.CompilerServices;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Defender;

/// <summary>A row of a Defender export, by header position: a CSV row or a JSON object.</summary>
internal interface IDefenderRow
{
    ReadOnlySpan<char> this[int position] { get; }
}

/// <summary>
/// Turns one DeviceNetworkEvents row, whatever file format carried it, into a normalized event,
/// a skip (a row of another table in a union export) or a reject (malformed).
/// </summary>
internal sealed class DefenderRowMapper(DefenderSchema schema, StringPool pool, InputFile input)
{
    // What a sink that does not say what it reads gets: every field the export carries.
    private const TelemetryFields EveryField = (TelemetryFields)~0;

    public DefenderSchema Schema { get; } = schema;

    /// <summary>The row's event with every field the export carries, or why there is none.</summary>
    public RowOutcome Map<TRow>(TRow row, long line) where TRow : IDefenderRow, allows ref struct
    {
        if (!TryCheck(row, out var values, out var refused) || !TryReadDetails(row, values, out var details, out refused))
            return refused.At(line);
        return RowOutcome.Read(Build(row, values, details, line, EveryField));
    }

    /// <summary>
    /// Maps a row and hands its event to <paramref name="sink"/> (or to the process join, which
    /// holds inspected rows that lack their process); returns what the account needs.
    /// </summary>
    /// <remarks>
    /// A sink that says which events and fields it needs (<see cref="IScopedEventSink"/>) is asked
    /// before the event is built, so refused rows are validated and counted but never interned.
    /// The event goes to the sink from this frame, by reference: returning it inside an outcome
    /// copied its 30-odd fields twice a row.
    /// </remarks>
    public RowOutcome MapInto<TRow>(TRow row, long line, IEventSink sink, ReadContext context) where TRow : IDefenderRow, allows ref struct =>
        TryDeliver(row, line, sink, context, out var ticks, out var refused) ? RowOutcome.Delivered(line, ticks) : refused.At(line);

    /// <summary>
    /// As <see cref="MapInto"/>, for a caller that books the row itself: true, with the event's
    /// timestamp, when the row gave an event; otherwise why it did not.
    /// </summary>
    /// <remarks>
    /// A RowOutcome carries a whole event (304 bytes); returning one for each of a million
    /// delivered rows, only for the account to read its timestamp, was about 3 % of a seed-rule run.
    /// </remarks>
    public bool TryDeliver<TRow>(TRow row, long line, IEventSink sink, ReadContext context, out long ticks, out Refusal refused)
        where TRow : IDefenderRow, allows ref struct
    {
        ticks = 0;
        if (!TryCheck(row, out var values, out refused))
            return false;
        ticks = values.Ticks;
        // A plain connection row (no details in AdditionalFields) goes to a span sink as it lies
        // in the row: no string is made of it here.
        if (sink is IConnectionSpanSink spanSink && !values.HasDetails)
        {
            spanSink.Accept(new ConnectionSpans
            {
                TimestampTicks = values.Ticks,
                ActionType = values.ActionType,
                DeviceName = Value(row, DefenderColumn.DeviceName),
                InitiatingProcessFileName = Value(row, DefenderColumn.InitiatingProcessFileName),
                RemoteIP = values.RemoteIP,
                RemotePort = values.Port,
                RemoteIPType = Value(row, DefenderColumn.RemoteIPType),
                HasRemoteUrl = Schema.Has(DefenderColumn.RemoteUrl),
                RemoteUrl = Value(row, DefenderColumn.RemoteUrl),
                SentBytes = values.Sent,
                ReceivedBytes = values.Received,
                // A quoted command line with doubled quotes is unescaped when read (Sep does it
                // lazily, in place): about 6 % of a seed-rule run, which never reads it.
                ProcessCommandLine = (spanSink.Reads & TelemetryFields.ProcessCommandLine) != 0
                    ? Value(row, DefenderColumn.InitiatingProcessCommandLine) : [],
                Provenance = new Provenance(input, line),
            });
            return true;
        }
        return BuildInto(row, values, line, sink, context, out refused);
    }

    /// <summary>
    /// The rest of <see cref="MapInto"/>: the details are read, the event is built (or previewed)
    /// and delivered; false when the details are malformed.
    /// </summary>
    /// <remarks>
    /// Out of line, so that the span path above does not zero this path's events (two of 272
    /// bytes) and details in its own frame on every row.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool BuildInto<TRow>(TRow row, in CheckedValues values, long line, IEventSink sink, ReadContext context, out Refusal refused)
        where TRow : IDefenderRow, allows ref struct
    {
        if (!TryReadDetails(row, values, out var details, out refused))
            return false;
        var reads = EveryField;
        // Inspected rows may wait for their process (DefenderProcessJoin) and are rare: they are
        // always built whole.
        if (sink is IScopedEventSink scoped && !values.Inspected)
        {
            var strings = pool.ThreadTable;
            var preview = new NetworkEvent
            {
                TimestampTicks = values.Ticks,
                DeviceName = string.Empty,
                ActionType = strings.Intern(values.ActionType, (int)DefenderColumn.ActionType),
                RemoteIP = string.Empty,
                RemotePort = values.Port,
                RemoteIPType = strings.Intern(Value(row, DefenderColumn.RemoteIPType), (int)DefenderColumn.RemoteIPType),
                InitiatingProcessFileName = string.Empty,
                Provenance = new Provenance(input, line),
            };
            if (!scoped.Wants(preview))
                return true;
            reads = scoped.Reads;
        }
        var e = Build(row, values, details, line, reads);
        if (!DefenderProcessJoin.TryHold(e, context))
            sink.Accept(e);
        return true;
    }

    /// <summary>What a row's validation found, for building its event.</summary>
    private readonly ref struct CheckedValues
    {
        public ReadOnlySpan<char> ActionType { get; init; }
        public ReadOnlySpan<char> RemoteIP { get; init; }
        public long Ticks { get; init; }
        public int Port { get; init; }
        public long? Sent { get; init; }
        public long? Received { get; init; }
        public int? LocalPort { get; init; }
        public bool Inspected { get; init; }

        /// <summary>True when the row's action type keeps details in AdditionalFields (see <see cref="TryReadDetails"/>).</summary>
        public bool HasDetails { get; init; }
    }

    /// <summary>
    /// Every check that can skip or reject a row but the details' JSON (<see cref="TryReadDetails"/>,
    /// always called after it), in one order whatever the caller: false with the outcome when one does.
    /// </summary>
    private bool TryCheck<TRow>(TRow row, out CheckedValues values, out Refusal refused) where TRow : IDefenderRow, allows ref struct
    {
        values = default;
        refused = default;
        var actionType = Value(row, DefenderColumn.ActionType);
        if (!DefenderActionTypes.IsNetworkEvent(actionType))
            return Refuse(out refused, Skip(RowReasons.OtherTable, "ActionType '", actionType, "'"));

        var remoteIP = Value(row, DefenderColumn.RemoteIP);
        var portText = Value(row, DefenderColumn.RemotePort);
        if (remoteIP.IsEmpty && portText.IsEmpty)
            return Refuse(out refused, Skip(RowReasons.NoRemoteEndpoint, "ActionType '", actionType, "' with empty RemoteIP and RemotePort"));

        var timestampText = Value(row, DefenderColumn.Timestamp);
        if (!IsoTimestamp.TryParseUtcTicks(timestampText, out var ticks))
            return Refuse(out refused, Reject(RowReasons.BadTimestamp, "'", timestampText, "'"));

        var port = -1;
        if (!portText.IsEmpty && !TryParsePort(portText, out port))
            return Refuse(out refused, Reject(RowReasons.BadPort, "RemotePort '", portText, "'"));

        long? sent = null, received = null;
        // DeviceNetworkEvents has no byte columns: two calls a row that only found them absent
        // were about 1 % of a seed-rule run.
        if (Schema.HasByteCounts
            && (!TryParseBytes(row, DefenderColumn.SentBytes, ref sent, out var badBytes)
                || !TryParseBytes(row, DefenderColumn.ReceivedBytes, ref received, out badBytes)))
            return Refuse(out refused, new Refusal(RowOutcomeKind.Rejected, RowReasons.BadByteCount, badBytes));

        int? localPort = null;
        var localPortText = Value(row, DefenderColumn.LocalPort);
        if (!localPortText.IsEmpty)
        {
            if (!TryParsePort(localPortText, out var lp))
                return Refuse(out refused, Reject(RowReasons.BadPort, "LocalPort '", localPortText, "'"));
            localPort = lp;
        }

        var wantsDetails = DefenderInspection.Wants(actionType);
        values = new CheckedValues
        {
            ActionType = actionType,
            RemoteIP = remoteIP,
            Ticks = ticks,
            Port = port,
            Sent = sent,
            Received = received,
            LocalPort = localPort,
            Inspected = wantsDetails && actionType.EndsWith("Inspected", StringComparison.Ordinal),
            HasDetails = wantsDetails,
        };
        return true;
    }

    /// <summary>
    /// The details in AdditionalFields (JSON) of a row that passed <see cref="TryCheck"/>: parsed
    /// only for the action types whose details live there, so the millions of plain connection
    /// rows never pay for it. False with the outcome when the JSON is malformed.
    /// </summary>
    /// <remarks>
    /// Apart from TryCheck: the details (nine fields, six of them strings) inside its values made
    /// the compiler zero 160 bytes of them and a 432-byte frame on every row, about a third of
    /// TryCheck's time (perf annotate on the AOT binary).
    /// </remarks>
    private bool TryReadDetails<TRow>(TRow row, in CheckedValues values, out InspectedDetails details, out Refusal refused)
        where TRow : IDefenderRow, allows ref struct
    {
        details = default;
        refused = default;
        if (!values.HasDetails
            || DefenderInspection.TryRead(values.ActionType, Value(row, DefenderColumn.AdditionalFields), out details, out var jsonProblem))
            return true;
        return Refuse(out refused, BadJson(jsonProblem));
    }

    /// <summary>
    /// Why a row gives no event, without the line: a small value. Each way TryCheck can refuse a
    /// row used to make a whole RowOutcome (304 bytes with its event), and the compiler zeroed a
    /// stack slot for each of them on every row: a 2.5 KB frame, about three quarters of
    /// TryCheck's time (perf annotate on the AOT binary).
    /// </summary>
    internal readonly record struct Refusal(RowOutcomeKind Kind, string Reason, string Detail)
    {
        public RowOutcome At(long line) =>
            Kind == RowOutcomeKind.Skipped ? RowOutcome.Skipped(line, Reason, Detail) : RowOutcome.Rejected(line, Reason, Detail);
    }

    // Messages are built out of line: they are the rare path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Refusal Skip(string reason, string before, ReadOnlySpan<char> value, string after) =>
        new(RowOutcomeKind.Skipped, reason, string.Concat(before, Clip(value), after));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Refusal Reject(string reason, string before, ReadOnlySpan<char> value, string after) =>
        new(RowOutcomeKind.Rejected, reason, string.Concat(before, Clip(value), after));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Refusal BadJson(string problem) => new(RowOutcomeKind.Rejected, RowReasons.BadJson, "AdditionalFields: " + problem);

    private static bool Refuse(out Refusal refused, Refusal refusal)
    {
        refused = refusal;
        return false;
    }

    /// <summary>The event, with the strings of the fields in <paramref name="reads"/> interned and the others left unset.</summary>
    private NetworkEvent Build<TRow>(TRow row, in CheckedValues values, in InspectedDetails inspected, long line, TelemetryFields reads)
        where TRow : IDefenderRow, allows ref struct
    {
        long? processId = null;
        if ((reads & TelemetryFields.ProcessId) != 0)
        {
            var processIdText = Value(row, DefenderColumn.InitiatingProcessId);
            if (!processIdText.IsEmpty && long.TryParse(processIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                processId = pid;
        }
        var strings = pool.ThreadTable;
        string? url = null;
        if ((reads & TelemetryFields.RemoteUrl) != 0)
        {
            var urlText = Value(row, DefenderColumn.RemoteUrl);
            url = Schema.Has(DefenderColumn.RemoteUrl) && !(urlText.IsEmpty && inspected.Url is not null) ? strings.Intern(urlText) : inspected.Url;
        }
        string? commandLine = null;
        if ((reads & TelemetryFields.ProcessCommandLine) != 0)
        {
            var commandLineText = Value(row, DefenderColumn.InitiatingProcessCommandLine);
            commandLine = commandLineText.IsEmpty ? null : strings.Intern(commandLineText);
        }
        return new NetworkEvent
        {
            TimestampTicks = values.Ticks,
            DeviceName = strings.InternColumn(Value(row, DefenderColumn.DeviceName), (int)DefenderColumn.DeviceName),
            ActionType = strings.Intern(values.ActionType, (int)DefenderColumn.ActionType),
            RemoteIP = strings.InternColumn(values.RemoteIP, (int)DefenderColumn.RemoteIP),
            RemotePort = values.Port,
            RemoteIPType = strings.Intern(Value(row, DefenderColumn.RemoteIPType), (int)DefenderColumn.RemoteIPType),
            RemoteUrl = url,
            InitiatingProcessFileName = strings.Intern(Value(row, DefenderColumn.InitiatingProcessFileName), (int)DefenderColumn.InitiatingProcessFileName),
            SentBytes = values.Sent,
            ReceivedBytes = values.Received,
            LocalIP = (reads & TelemetryFields.LocalIP) != 0 && Schema.Has(DefenderColumn.LocalIP) ? strings.Intern(Value(row, DefenderColumn.LocalIP)) : null,
            LocalPort = values.LocalPort,
            Protocol = (reads & TelemetryFields.Protocol) != 0 && Schema.Has(DefenderColumn.Protocol)
                ? strings.Intern(Value(row, DefenderColumn.Protocol), (int)DefenderColumn.Protocol) : null,
            ProcessId = processId,
            ProcessCommandLine = commandLine,
            DestinationHost = inspected.Host,
            HttpMethod = inspected.Method,
            UserAgent = inspected.UserAgent,
            StatusCode = inspected.StatusCode,
            WebSocketUpgrade = inspected.WebSocketUpgrade,
            Ja3 = inspected.Ja3,
            Ja3s = inspected.Ja3s,
            AggregatedCount = inspected.AggregatedCount,
            Provenance = new Provenance(input, line),
        };
    }

    /// <summary>The first non-empty value among the column's positions (type-clash columns split a value across two).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<char> Value<TRow>(TRow row, DefenderColumn column) where TRow : IDefenderRow, allows ref struct
    {
        // Called about ten times a row: the common case (one position) is inlined, the rest is not.
        var single = Schema.SinglePosition(column);
        return single >= 0 ? row[single] : single == DefenderSchema.Absent ? [] : FirstNonEmpty(row, column);
    }

    private ReadOnlySpan<char> FirstNonEmpty<TRow>(TRow row, DefenderColumn column) where TRow : IDefenderRow, allows ref struct
    {
        foreach (var position in Schema.Positions(column))
        {
            var value = row[position];
            if (!value.IsEmpty)
                return value;
        }
        return [];
    }

    private bool TryParseBytes<TRow>(TRow row, DefenderColumn column, ref long? value, out string problem)
        where TRow : IDefenderRow, allows ref struct
    {
        problem = string.Empty;
        var text = Value(row, column);
        if (text.IsEmpty)
            return true;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }
        problem = ByteCountProblem(column, text);
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string ByteCountProblem(DefenderColumn column, ReadOnlySpan<char> text) => $"{column} '{Clip(text)}'";

    /// <summary>
    /// Decimal digits only, at most 65535: what int.TryParse with NumberStyles.None accepted, without
    /// its per-call culture lookup (1.5 % of a run for two ports a row).
    /// </summary>
    private static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        var value = 0;
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digit > 9)
                return false;
            // Saturates instead of overflowing; leading zeros still parse.
            value = Math.Min(value * 10 + (int)digit, 65536);
        }
        if (text.IsEmpty || value > 65535)
            return false;
        port = value;
        return true;
    }

    // Problem details echo attacker-controlled text; keep them short.
    internal static string Clip(ReadOnlySpan<char> value) => value.Length <= 64 ? value.ToString() : string.Concat(value[..61], "...");
}
