using System.Text;

namespace Cadence.Simulation;

/// <summary>Writes the fleet in one of the telemetry formats, connection by connection in time order.</summary>
internal interface IFleetWriter : IDisposable
{
    void Write(SimulatedConnection connection);

    /// <summary>Writes what is still held and any trailer; the files are complete after this.</summary>
    void Complete();

    /// <summary>The files written (final names) and their row counts.</summary>
    IReadOnlyList<(string Name, long Rows)> Counts { get; }
}

/// <summary>
/// DeviceNetworkEvents as Defender XDR advanced hunting exports it to CSV: its columns, RFC 4180
/// quoting, ISO timestamps with the fraction's trailing zeros trimmed. A connection is a
/// ConnectionSuccess, ConnectionFailed or ConnectionAttempt row with the initiating process; a
/// plain-HTTP success adds an HttpConnectionInspected row, and an inspected TLS success an
/// SslConnectionInspected row, a few milliseconds later, with the details in AdditionalFields
/// and no process (Defender logs inspections without it; Cadence joins it back).
/// </summary>
internal sealed class DefenderCsvWriter : IFleetWriter
{
    public const string FileName = "DeviceNetworkEvents.csv";

    public const string Header =
        "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType," +
        "InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,InitiatingProcessAccountName,AdditionalFields,ReportId";

    // RFC 4180 ends records with CRLF; Cadence's reader takes either.
    private const string NewLine = "\r\n";

    private readonly StreamWriter _writer;
    private readonly ReorderBuffer _inspections;
    private readonly SimulationRandom _random;
    private readonly Dictionary<SimulatedDevice, long> _reportIds = [];
    private readonly StringBuilder _line = new(512);
    private readonly StringBuilder _json = new(256);
    private long _connections;

    public DefenderCsvWriter(string path, long seed)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16) { NewLine = NewLine };
        _inspections = new ReorderBuffer(_writer);
        _random = SimulationRandom.For(seed, -3, 0);
        _writer.Write(Header);
        _writer.Write(NewLine);
    }

    public IReadOnlyList<(string Name, long Rows)> Counts => [(FileName, _connections + _inspections.Rows)];

    public void Write(SimulatedConnection c)
    {
        _inspections.FlushUpTo(c.Ticks);
        var action = c.Outcome switch
        {
            ConnectionOutcome.Success => "ConnectionSuccess",
            ConnectionOutcome.Failed => "ConnectionFailed",
            _ => "ConnectionAttempt",
        };
        _writer.Write(Row(c, c.Ticks, action, withProcess: true, additionalFields: null));
        _connections++;
        if (c.Outcome != ConnectionOutcome.Success)
            return;

        if (c.Http is { } http)
        {
            _json.Clear().Append("{\"direction\":\"Out\",\"host\":");
            SimulationText.Json(_json, http.Host);
            _json.Append(",\"method\":");
            SimulationText.Json(_json, http.Method);
            _json.Append(",\"uri\":");
            SimulationText.Json(_json, http.Uri);
            _json.Append(",\"user_agent\":");
            SimulationText.Json(_json, http.UserAgent);
            _json.Append(",\"status_code\":").Number(http.StatusCode)
                .Append(",\"request_body_len\":").Number(http.RequestBodyLength)
                .Append(",\"response_body_len\":").Number(http.ResponseBodyLength).Append('}');
            var at = c.Ticks + ChannelGenerator.Microseconds(ChannelGenerator.Ticks(_random.Uniform(0.002, 0.04)));
            _inspections.Add(at, Row(c, at, "HttpConnectionInspected", withProcess: false, _json.ToString()));
        }
        else if (c.Tls is { } tls && c.DefenderInspectsTls)
        {
            _json.Clear().Append("{\"server_name\":");
            SimulationText.Json(_json, tls.ServerName);
            _json.Append(",\"ja3\":");
            SimulationText.Json(_json, tls.Ja3);
            _json.Append(",\"ja3s\":");
            SimulationText.Json(_json, tls.Ja3s);
            _json.Append(",\"direction\":\"Out\"}");
            var at = c.Ticks + ChannelGenerator.Microseconds(ChannelGenerator.Ticks(_random.Uniform(0.002, 0.04)));
            _inspections.Add(at, Row(c, at, "SslConnectionInspected", withProcess: false, _json.ToString()));
        }
    }

    private string Row(SimulatedConnection c, long ticks, string action, bool withProcess, string? additionalFields)
    {
        var line = _line.Clear();
        SimulationText.DefenderTime(line, ticks);
        line.Append(',').Append(c.Device.DeviceId)
            .Append(',').Append(c.Device.DeviceName)
            .Append(',').Append(action)
            .Append(',').Append(c.RemoteIP)
            .Append(',').Number(c.RemotePort)
            .Append(',');
        // Defender fills RemoteUrl with the name it saw the process resolve; inspection rows carry theirs in AdditionalFields.
        if (withProcess)
            SimulationText.Csv(line, c.Host);
        line.Append(',').Append(c.Device.IPAddress)
            .Append(',').Number(c.LocalPort)
            .Append(",Tcp,Private,Public,");
        if (withProcess)
        {
            SimulationText.Csv(line, c.Process.FileName);
            line.Append(',').Number(c.Process.ProcessId).Append(',');
            SimulationText.Csv(line, c.Process.CommandLine);
            line.Append(',');
            SimulationText.Csv(line, c.Process.AccountName);
        }
        else
        {
            line.Append(",,,");
        }
        line.Append(',');
        SimulationText.Csv(line, additionalFields);
        line.Append(',').Number(NextReportId(c.Device)).Append(NewLine);
        return line.ToString();
    }

    /// <summary>Defender's ReportId: a per-device counter, starting somewhere arbitrary.</summary>
    private long NextReportId(SimulatedDevice device)
    {
        if (!_reportIds.TryGetValue(device, out var id))
            id = 1000 + (long)(SimulationRandom.Hash(device.Index, device.DeviceId) % 90_000);
        _reportIds[device] = id + 1;
        return id;
    }

    public void Complete()
    {
        _inspections.FlushAll();
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
