using Cadence.Telemetry;

namespace Cadence.Sources.Defender;

/// <summary>
/// Where each DeviceNetworkEvents column sits in one export, resolved once from its header or
/// schema so the per-row code touches only integers.
/// </summary>
internal sealed class DefenderSchema
{
    private static readonly DefenderColumn[] Required =
    [
        DefenderColumn.Timestamp, DefenderColumn.DeviceName, DefenderColumn.ActionType,
        DefenderColumn.RemoteIP, DefenderColumn.RemotePort,
    ];

    // A union export suffixes a column with its type when tables disagree on it
    // (ReportId_long beside ReportId_string); any of these may hold a row's value.
    private static readonly string[] TypeSuffixes = ["_string", "_long", "_int", "_real", "_datetime", "_dynamic", "_bool"];

    private readonly int[][] _columns;

    // The one position of a column held in a single place (the usual case), -1 for a column split
    // over several (type clashes), <see cref="Absent"/> for a column the export lacks: the row
    // mapper reads these with no loop and no call.
    private readonly int[] _single;

    /// <summary>What <see cref="SinglePosition"/> gives for a column the export does not have.</summary>
    public const int Absent = -2;

    private DefenderSchema(int[][] columns, int columnCount)
    {
        _columns = columns;
        ColumnCount = columnCount;
        _single = [.. columns.Select(c => c.Length switch { 1 => c[0], 0 => Absent, _ => -1 })];
    }

    public int SinglePosition(DefenderColumn column) => _single[(int)column];

    public int ColumnCount { get; }

    /// <summary>The header positions holding this column, in preference order; empty when absent.</summary>
    public ReadOnlySpan<int> Positions(DefenderColumn column) => _columns[(int)column];

    public bool Has(DefenderColumn column) => _columns[(int)column].Length > 0;

    public bool HasByteCounts => Has(DefenderColumn.SentBytes) || Has(DefenderColumn.ReceivedBytes);

    /// <summary>What an export with every column Cadence reads provides.</summary>
    public const TelemetryFields AllFields = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
        | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType | TelemetryFields.RemoteUrl
        | TelemetryFields.ProcessName | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes
        | TelemetryFields.LocalIP | TelemetryFields.LocalPort | TelemetryFields.Protocol | TelemetryFields.ProcessId
        | TelemetryFields.ProcessCommandLine | InspectedFields;

    /// <summary>What AdditionalFields adds on HttpConnectionInspected, SslConnectionInspected and aggregated reports.</summary>
    public const TelemetryFields InspectedFields = TelemetryFields.DestinationHost | TelemetryFields.HttpMethod
        | TelemetryFields.UserAgent | TelemetryFields.StatusCode | TelemetryFields.WebSocketUpgrade
        | TelemetryFields.Ja3 | TelemetryFields.Ja3s | TelemetryFields.AggregatedCount;

    public TelemetryFields Provides
    {
        get
        {
            var fields = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
                | TelemetryFields.RemoteIP | TelemetryFields.RemotePort;
            if (Has(DefenderColumn.RemoteIPType)) fields |= TelemetryFields.RemoteIPType;
            if (Has(DefenderColumn.RemoteUrl)) fields |= TelemetryFields.RemoteUrl;
            if (Has(DefenderColumn.InitiatingProcessFileName)) fields |= TelemetryFields.ProcessName;
            if (Has(DefenderColumn.SentBytes)) fields |= TelemetryFields.SentBytes;
            if (Has(DefenderColumn.ReceivedBytes)) fields |= TelemetryFields.ReceivedBytes;
            if (Has(DefenderColumn.LocalIP)) fields |= TelemetryFields.LocalIP;
            if (Has(DefenderColumn.LocalPort)) fields |= TelemetryFields.LocalPort;
            if (Has(DefenderColumn.Protocol)) fields |= TelemetryFields.Protocol;
            if (Has(DefenderColumn.InitiatingProcessId)) fields |= TelemetryFields.ProcessId;
            if (Has(DefenderColumn.InitiatingProcessCommandLine)) fields |= TelemetryFields.ProcessCommandLine;
            if (Has(DefenderColumn.AdditionalFields)) fields |= InspectedFields;
            return fields;
        }
    }

    /// <summary>True when a header looks like DeviceNetworkEvents (possibly inside a union of tables).</summary>
    public static bool LooksLikeDeviceNetworkEvents(IReadOnlyList<string> names) => TryResolve(names, out _, out _);

    public static bool TryResolve(IReadOnlyList<string> names, out DefenderSchema schema, out string missing)
    {
        var columns = new int[Enum.GetValues<DefenderColumn>().Length][];
        foreach (var column in Enum.GetValues<DefenderColumn>())
            columns[(int)column] = Find(names, column == DefenderColumn.Timestamp ? ["Timestamp", "TimeGenerated"] : [column.ToString()]);

        var absent = Required.Where(c => columns[(int)c].Length == 0).Select(c => c.ToString()).ToList();
        missing = string.Join(", ", absent);
        schema = new DefenderSchema(columns, names.Count);
        return absent.Count == 0;
    }

    private static int[] Find(IReadOnlyList<string> names, string[] candidates)
    {
        var positions = new List<int>();
        foreach (var candidate in candidates)
        {
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i].Trim();
                if (name.Equals(candidate, StringComparison.Ordinal))
                    positions.Add(i);
            }
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i].Trim();
                foreach (var suffix in TypeSuffixes)
                {
                    if (name.Length == candidate.Length + suffix.Length
                        && name.StartsWith(candidate, StringComparison.Ordinal)
                        && name.EndsWith(suffix, StringComparison.Ordinal))
                        positions.Add(i);
                }
            }
            // Timestamp is preferred over Sentinel's TimeGenerated when both exist.
            if (positions.Count > 0)
                break;
        }
        return [.. positions];
    }
}
