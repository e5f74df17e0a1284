using System.Globalization;
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
    public DefenderSchema Schema { get; } = schema;

    public RowOutcome Map<TRow>(TRow row, long line) where TRow : IDefenderRow, allows ref struct
    {
        var actionType = Value(row, DefenderColumn.ActionType);
        if (!DefenderActionTypes.IsNetworkEvent(actionType))
            return RowOutcome.Skipped(line, RowReasons.OtherTable, $"ActionType '{Clip(actionType)}'");

        var remoteIP = Value(row, DefenderColumn.RemoteIP);
        var portText = Value(row, DefenderColumn.RemotePort);
        if (remoteIP.IsEmpty && portText.IsEmpty)
            return RowOutcome.Skipped(line, RowReasons.NoRemoteEndpoint, $"ActionType '{Clip(actionType)}' with empty RemoteIP and RemotePort");

        var timestampText = Value(row, DefenderColumn.Timestamp);
        if (!IsoTimestamp.TryParseUtcTicks(timestampText, out var ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"'{Clip(timestampText)}'");

        var port = -1;
        if (!portText.IsEmpty && !TryParsePort(portText, out port))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"RemotePort '{Clip(portText)}'");

        long? sent = null, received = null;
        if (!TryParseBytes(row, DefenderColumn.SentBytes, ref sent, out var badBytes)
            || !TryParseBytes(row, DefenderColumn.ReceivedBytes, ref received, out badBytes))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, badBytes);

        int? localPort = null;
        var localPortText = Value(row, DefenderColumn.LocalPort);
        if (!localPortText.IsEmpty)
        {
            if (!TryParsePort(localPortText, out var lp))
                return RowOutcome.Rejected(line, RowReasons.BadPort, $"LocalPort '{Clip(localPortText)}'");
            localPort = lp;
        }
        long? processId = null;
        var processIdText = Value(row, DefenderColumn.InitiatingProcessId);
        if (!processIdText.IsEmpty && long.TryParse(processIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            processId = pid;

        // AdditionalFields is JSON; it is parsed only for the action types whose details live
        // there, so the millions of plain connection rows never pay for it.
        var inspected = default(InspectedDetails);
        if (DefenderInspection.Wants(actionType))
        {
            var additional = Value(row, DefenderColumn.AdditionalFields);
            if (!DefenderInspection.TryRead(actionType, additional, out inspected, out var jsonProblem))
                return RowOutcome.Rejected(line, RowReasons.BadJson, $"AdditionalFields: {jsonProblem}");
        }

        var url = Value(row, DefenderColumn.RemoteUrl);
        var commandLine = Value(row, DefenderColumn.InitiatingProcessCommandLine);
        var strings = pool.ThreadTable;
        return RowOutcome.Read(new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = strings.Intern(Value(row, DefenderColumn.DeviceName)),
            ActionType = strings.Intern(actionType, (int)DefenderColumn.ActionType),
            RemoteIP = strings.Intern(remoteIP),
            RemotePort = port,
            RemoteIPType = strings.Intern(Value(row, DefenderColumn.RemoteIPType), (int)DefenderColumn.RemoteIPType),
            RemoteUrl = Schema.Has(DefenderColumn.RemoteUrl) && !(url.IsEmpty && inspected.Url is not null) ? strings.Intern(url) : inspected.Url,
            InitiatingProcessFileName = strings.Intern(Value(row, DefenderColumn.InitiatingProcessFileName), (int)DefenderColumn.InitiatingProcessFileName),
            SentBytes = sent,
            ReceivedBytes = received,
            LocalIP = Schema.Has(DefenderColumn.LocalIP) ? strings.Intern(Value(row, DefenderColumn.LocalIP)) : null,
            LocalPort = localPort,
            Protocol = Schema.Has(DefenderColumn.Protocol) ? strings.Intern(Value(row, DefenderColumn.Protocol), (int)DefenderColumn.Protocol) : null,
            ProcessId = processId,
            ProcessCommandLine = commandLine.IsEmpty ? null : strings.Intern(commandLine),
            DestinationHost = inspected.Host,
            HttpMethod = inspected.Method,
            UserAgent = inspected.UserAgent,
            StatusCode = inspected.StatusCode,
            WebSocketUpgrade = inspected.WebSocketUpgrade,
            Ja3 = inspected.Ja3,
            Ja3s = inspected.Ja3s,
            AggregatedCount = inspected.AggregatedCount,
            Provenance = new Provenance(input, line),
        });
    }

    /// <summary>The first non-empty value among the column's positions (type-clash columns split a value across two).</summary>
    private ReadOnlySpan<char> Value<TRow>(TRow row, DefenderColumn column) where TRow : IDefenderRow, allows ref struct
    {
        var single = Schema.SinglePosition(column);
        if (single >= 0)
            return row[single];
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
        problem = $"{column} '{Clip(text)}'";
        return false;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    // Problem details echo attacker-controlled text; keep them short.
    internal static string Clip(ReadOnlySpan<char> value) => value.Length <= 64 ? value.ToString() : string.Concat(value[..61], "...");
}
