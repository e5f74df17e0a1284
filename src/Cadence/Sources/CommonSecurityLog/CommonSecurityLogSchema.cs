using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// The CommonSecurityLog columns Cadence reads (named as Sentinel names them; raw CEF carries the
/// same values under its own keys); every other column is ignored.
/// </summary>
internal enum CommonSecurityLogColumn
{
    TimeGenerated,
    DeviceVendor,
    DeviceProduct,
    DeviceAction,
    SourceIP,
    SourcePort,
    DestinationIP,
    DestinationPort,
    Protocol,
    SentBytes,
    ReceivedBytes,
    RequestURL,
    RequestMethod,
    RequestClientApplication,
    SourceProcessName,
}

/// <summary>
/// Where each CommonSecurityLog column sits in one export, resolved once from its header so the
/// per-row code touches only integers.
/// </summary>
internal sealed class CommonSecurityLogSchema
{
    private static readonly CommonSecurityLogColumn[] Columns = Enum.GetValues<CommonSecurityLogColumn>();

    private readonly int[] _positions;

    private CommonSecurityLogSchema(int[] positions, int columnCount)
    {
        _positions = positions;
        ColumnCount = columnCount;
    }

    public int ColumnCount { get; }

    /// <summary>The header position of the column; -1 when the export lacks it.</summary>
    public int Position(CommonSecurityLogColumn column) => _positions[(int)column];

    public bool Has(CommonSecurityLogColumn column) => _positions[(int)column] >= 0;

    /// <summary>Every field a CommonSecurityLog row or a CEF line can carry.</summary>
    public const TelemetryFields AllFields = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
        | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType | TelemetryFields.RemoteUrl
        | TelemetryFields.ProcessName | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes | TelemetryFields.LocalIP
        | TelemetryFields.LocalPort | TelemetryFields.Protocol | TelemetryFields.DestinationHost | TelemetryFields.HttpMethod
        | TelemetryFields.UserAgent | TelemetryFields.Observer;

    public TelemetryFields Provides => ProvidesFrom(Has);

    /// <summary>
    /// The normalized fields a set of columns gives. ActionType is always given: a row without
    /// DeviceAction still records a connection (ConnectionFound), as Zeek's unset state does.
    /// </summary>
    public static TelemetryFields ProvidesFrom(Func<CommonSecurityLogColumn, bool> has)
    {
        var fields = TelemetryFields.Timestamp | TelemetryFields.ActionType;
        if (has(CommonSecurityLogColumn.SourceIP)) fields |= TelemetryFields.DeviceName | TelemetryFields.LocalIP;
        if (has(CommonSecurityLogColumn.DestinationIP)) fields |= TelemetryFields.RemoteIP | TelemetryFields.RemoteIPType;
        if (has(CommonSecurityLogColumn.DestinationPort)) fields |= TelemetryFields.RemotePort;
        if (has(CommonSecurityLogColumn.SourcePort)) fields |= TelemetryFields.LocalPort;
        if (has(CommonSecurityLogColumn.Protocol)) fields |= TelemetryFields.Protocol;
        if (has(CommonSecurityLogColumn.SentBytes)) fields |= TelemetryFields.SentBytes;
        if (has(CommonSecurityLogColumn.ReceivedBytes)) fields |= TelemetryFields.ReceivedBytes;
        if (has(CommonSecurityLogColumn.RequestURL)) fields |= TelemetryFields.RemoteUrl | TelemetryFields.DestinationHost;
        if (has(CommonSecurityLogColumn.RequestMethod)) fields |= TelemetryFields.HttpMethod;
        if (has(CommonSecurityLogColumn.RequestClientApplication)) fields |= TelemetryFields.UserAgent;
        if (has(CommonSecurityLogColumn.SourceProcessName)) fields |= TelemetryFields.ProcessName;
        if (has(CommonSecurityLogColumn.DeviceVendor) || has(CommonSecurityLogColumn.DeviceProduct)) fields |= TelemetryFields.Observer;
        return fields;
    }

    /// <summary>True when a header (or a JSON row's names) looks like CommonSecurityLog.</summary>
    public static bool LooksLikeCommonSecurityLog(IReadOnlyList<string> names) => TryResolve(names, out _, out _);

    public static bool TryResolve(IReadOnlyList<string> names, out CommonSecurityLogSchema schema, out string missing)
    {
        var positions = new int[Columns.Length];
        Array.Fill(positions, -1);
        for (var i = 0; i < names.Count; i++)
        {
            // The first of two equally named columns wins; Log Analytics never writes two.
            if (Enum.TryParse<CommonSecurityLogColumn>(NormalizeName(names[i]), ignoreCase: false, out var column)
                && Enum.IsDefined(column) && positions[(int)column] < 0)
                positions[(int)column] = i;
        }
        schema = new CommonSecurityLogSchema(positions, names.Count);

        var absent = new List<string>();
        foreach (var required in (ReadOnlySpan<CommonSecurityLogColumn>)[CommonSecurityLogColumn.TimeGenerated, CommonSecurityLogColumn.DeviceVendor, CommonSecurityLogColumn.DeviceProduct])
        {
            if (!schema.Has(required))
                absent.Add(required.ToString());
        }
        if (!schema.Has(CommonSecurityLogColumn.SourceIP) && !schema.Has(CommonSecurityLogColumn.DestinationIP))
            absent.Add("SourceIP or DestinationIP");
        missing = string.Join(", ", absent);
        return absent.Count == 0;
    }

    /// <summary>
    /// A header name without quotes, BOM or the unit suffix the Log Analytics portal adds to
    /// datetime columns ("TimeGenerated [UTC]").
    /// </summary>
    public static string NormalizeName(string name)
    {
        var trimmed = name.AsSpan().Trim().TrimStart('\uFEFF').Trim('"').Trim();
        var bracket = trimmed.IndexOf(" [", StringComparison.Ordinal);
        if (bracket > 0 && trimmed.EndsWith(']'))
            trimmed = trimmed[..bracket].TrimEnd();
        // Enum.TryParse also takes numbers ("3") and comma lists; only a plain identifier is a name.
        foreach (var c in trimmed)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return string.Empty;
        }
        return trimmed.IsEmpty || char.IsAsciiDigit(trimmed[0]) ? string.Empty : trimmed.ToString();
    }
}
