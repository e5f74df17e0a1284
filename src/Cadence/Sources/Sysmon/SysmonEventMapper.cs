using System.Globalization;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// Turns one Sysmon event, from Windows event XML or from a Sysmon for Linux syslog line, into
/// what it means for Cadence: a network connection (Event ID 3), a process creation that lends
/// its command line to that process's connections (Event ID 1), or a record to skip. Both
/// formats go through this one class, so the same XML gives the same event whichever file it
/// came in.
/// </summary>
internal sealed class SysmonEventMapper(StringPool pool)
{
    /// <summary>
    /// Sysmon logs a connection once it has seen it happen (a TCP connect or accept that
    /// completed, a UDP flow that carried a datagram): it has no event for an attempt that
    /// failed. Every Event ID 3 is therefore a success in Defender's words, which is what the
    /// seed rule's <c>ActionType == "ConnectionSuccess"</c> asks for.
    /// </summary>
    internal const string ActionType = "ConnectionSuccess";

    internal const TelemetryFields Provides = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
        | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType
        | TelemetryFields.LocalIP | TelemetryFields.LocalPort | TelemetryFields.Protocol
        | TelemetryFields.ProcessName | TelemetryFields.ProcessId | TelemetryFields.ProcessCommandLine
        | TelemetryFields.DestinationHost;

    internal const string OtherProvider = "event of another provider (not Sysmon)";
    internal const string BadEventId = "unparsable Sysmon Event ID";
    internal const string ProcessCreation = "Sysmon process creation (Event ID 1): not a connection, its command line goes to the process's network events";
    internal const string OtherKind = "Sysmon event of another kind: not a network connection";
    internal const string MissingField = "missing Sysmon field";
    internal const string BadInitiated = "unparsable Initiated";

    // Sysmon writes this GUID when it could not attribute the event to a process it knows: it
    // names no process, so it must not link two unrelated ones.
    private const string NoProcessGuid = "{00000000-0000-0000-0000-000000000000}";

    // Past this many distinct remote addresses an input stops caching their class: hostile input
    // with a new address on every line must not grow the cache without end.
    private const int MaxCachedAddresses = 1 << 16;

    /// <summary>
    /// One skip reason per known event kind, built once, so counts group by kind and a hostile
    /// Event ID cannot mint a new reason per record.
    /// </summary>
    private static readonly Dictionary<int, string> SkipReasons = new (int Id, string Name)[]
    {
        (2, "FileCreateTime"), (4, "ServiceStateChange"), (5, "ProcessTerminate"), (6, "DriverLoad"),
        (7, "ImageLoad"), (8, "CreateRemoteThread"), (9, "RawAccessRead"), (10, "ProcessAccess"),
        (11, "FileCreate"), (12, "RegistryEvent object create and delete"), (13, "RegistryEvent value set"),
        (14, "RegistryEvent key and value rename"), (15, "FileCreateStreamHash"), (16, "ServiceConfigurationChange"),
        (17, "PipeEvent pipe created"), (18, "PipeEvent pipe connected"), (19, "WmiEvent filter"),
        (20, "WmiEvent consumer"), (21, "WmiEvent consumer to filter"), (22, "DnsQuery"), (23, "FileDelete"),
        (24, "ClipboardChange"), (25, "ProcessTampering"), (26, "FileDeleteDetected"), (27, "FileBlockExecutable"),
        (28, "FileBlockShredding"), (29, "FileExecutableDetected"), (255, "Error"),
    }.ToDictionary(k => k.Id, k => $"Sysmon Event ID {k.Id} ({k.Name}): not a network connection");

    private readonly Dictionary<string, string> _addressTypes = new(StringComparer.Ordinal);

    public SysmonMapped Map(SysmonRecord record, Provenance provenance)
    {
        var line = provenance.Line;
        if (!IsSysmon(record.Provider))
            return new(RowOutcome.Skipped(line, OtherProvider, $"Provider '{Clip(record.Provider ?? "(none)")}'"));
        if (!int.TryParse(record.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var eventId))
            return new(RowOutcome.Rejected(line, BadEventId, $"EventID '{Clip(record.EventId ?? "(none)")}'"));

        switch (eventId)
        {
            case 3:
                return MapNetworkConnect(record, provenance);
            case 1:
                var process = ProcessOf(record);
                var commandLine = record.Data("CommandLine");
                return new(
                    RowOutcome.Skipped(line, ProcessCreation, $"{Clip(FileNameOf(record.Data("Image")))}, ProcessGuid {Clip(record.Data("ProcessGuid") ?? "(none)")}"),
                    process,
                    commandLine is null ? null : pool.Intern(commandLine),
                    IsProcessCreation: true);
            default:
                return SkipReasons.TryGetValue(eventId, out var reason)
                    ? new(RowOutcome.Skipped(line, reason, $"Event ID {eventId}"))
                    : new(RowOutcome.Skipped(line, OtherKind, $"Event ID {eventId}"));
        }
    }

    private SysmonMapped MapNetworkConnect(SysmonRecord record, Provenance provenance)
    {
        var line = provenance.Line;
        var utcTime = record.Data("UtcTime");
        if (utcTime is null || !IsoTimestamp.TryParseUtcTicks(utcTime, out var ticks))
            return new(RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"UtcTime '{Clip(utcTime ?? "(none)")}'"));

        // Sysmon names the endpoints by who opened the connection: Source is the side that
        // initiated it. For a connection this process accepted (Initiated false) the remote peer
        // is therefore the Source, and the local end the Destination.
        var initiatedText = record.Data("Initiated");
        bool initiated;
        if (string.Equals(initiatedText, "true", StringComparison.OrdinalIgnoreCase))
            initiated = true;
        else if (string.Equals(initiatedText, "false", StringComparison.OrdinalIgnoreCase))
            initiated = false;
        else
            return new(RowOutcome.Rejected(line, BadInitiated, $"Initiated '{Clip(initiatedText ?? "(none)")}'"));
        var (remote, local) = initiated ? ("Destination", "Source") : ("Source", "Destination");

        var remoteIP = Present(record.Data(remote + "Ip"));
        if (remoteIP is null)
            return new(RowOutcome.Rejected(line, MissingField, $"{remote}Ip (the remote address)"));
        var remotePortText = Present(record.Data(remote + "Port"));
        var remotePort = -1;
        if (remotePortText is not null && !TryPort(remotePortText, out remotePort))
            return new(RowOutcome.Rejected(line, RowReasons.BadPort, $"{remote}Port '{Clip(remotePortText)}'"));
        var localPortText = Present(record.Data(local + "Port"));
        int? localPort = null;
        if (localPortText is not null)
        {
            if (!TryPort(localPortText, out var port))
                return new(RowOutcome.Rejected(line, RowReasons.BadPort, $"{local}Port '{Clip(localPortText)}'"));
            localPort = port;
        }

        var process = ProcessOf(record);
        var localIP = Present(record.Data(local + "Ip"));
        var protocol = Present(record.Data("Protocol"));
        var hostName = Present(record.Data(remote + "Hostname"));
        var e = new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = process.Computer,
            ActionType = ActionType,
            RemoteIP = pool.Intern(remoteIP),
            RemotePort = remotePort,
            RemoteIPType = AddressTypeOf(remoteIP),
            InitiatingProcessFileName = pool.Intern(FileNameOf(record.Data("Image"))),
            LocalIP = localIP is null ? null : pool.Intern(localIP),
            LocalPort = localPort,
            Protocol = protocol is null ? null : pool.Intern(protocol),
            ProcessId = process.ProcessId,
            DestinationHost = hostName is null ? null : pool.Intern(hostName),
            Provenance = provenance,
        };
        return new(RowOutcome.Read(e), process);
    }

    private SysmonProcess ProcessOf(SysmonRecord record)
    {
        var guid = Present(record.Data("ProcessGuid"));
        if (string.Equals(guid, NoProcessGuid, StringComparison.Ordinal))
            guid = null;
        long? processId = long.TryParse(record.Data("ProcessId"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        return new SysmonProcess(guid, pool.Intern(record.Computer ?? string.Empty), processId);
    }

    private string AddressTypeOf(string address)
    {
        if (_addressTypes.TryGetValue(address, out var type))
            return type;
        type = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(address));
        if (_addressTypes.Count < MaxCachedAddresses)
            _addressTypes[address] = type;
        return type;
    }

    private static bool IsSysmon(string? provider) =>
        string.Equals(provider, "Microsoft-Windows-Sysmon", StringComparison.OrdinalIgnoreCase)
        || string.Equals(provider, "Linux-Sysmon", StringComparison.OrdinalIgnoreCase);

    /// <summary>The executable's file name: Image is a full path, Windows (backslashes) or Linux (slashes).</summary>
    internal static string FileNameOf(string? image)
    {
        if (image is null)
            return string.Empty;
        var slash = image.AsSpan().LastIndexOfAny('\\', '/');
        return slash < 0 ? image : image[(slash + 1)..];
    }

    /// <summary>Sysmon writes "-" for a value it does not have (a hostname it could not resolve, a port without a name).</summary>
    private static string? Present(string? value) => string.IsNullOrEmpty(value) || value == "-" ? null : value;

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    internal static string Clip(string value) => Defender.DefenderRowMapper.Clip(value);
}

/// <summary>The process an event belongs to, as Sysmon identifies it.</summary>
/// <param name="Guid">ProcessGuid: unique per process instance and host, so it survives process id reuse; null when absent.</param>
/// <param name="Computer">System/Computer, the device's name.</param>
/// <param name="ProcessId">The operating system's id, reused once the process exits; null when absent.</param>
internal readonly record struct SysmonProcess(string? Guid, string Computer, long? ProcessId);

/// <summary>What one Sysmon record became, with what linking needs.</summary>
/// <param name="Outcome">The record's account: an event, a skip or a reject.</param>
/// <param name="Process">For Event ID 1 and 3: the process the record is about.</param>
/// <param name="CommandLine">For Event ID 1: the process's command line.</param>
/// <param name="IsProcessCreation">True for Event ID 1 (booked as skipped: it is not a connection).</param>
internal readonly record struct SysmonMapped(RowOutcome Outcome, SysmonProcess Process = default, string? CommandLine = null, bool IsProcessCreation = false);
