namespace Cadence.Telemetry;

/// <summary>
/// One network connection as every source normalizes it. A field a source does not carry is
/// null (or -1 for ports): never invented, so an unknown byte count is never mistaken for 0.
/// </summary>
/// <remarks>
/// A struct: readers produce millions of these per run and the hot path never boxes them.
/// String fields are interned by the reader, so equal values usually share one instance.
/// </remarks>
public readonly record struct NetworkEvent
{
    /// <summary>UTC time as <see cref="DateTime.Ticks"/> (100 ns precision, as Defender keeps it).</summary>
    public required long TimestampTicks { get; init; }

    public required string DeviceName { get; init; }

    /// <summary>What happened, in the source's own words (Defender's ActionType, e.g. ConnectionSuccess).</summary>
    public required string ActionType { get; init; }

    /// <summary>The remote address as exported: an opaque string (IPv6 and ::ffff:a.b.c.d occur).</summary>
    public required string RemoteIP { get; init; }

    /// <summary>-1 when the source has no port for this event.</summary>
    public required int RemotePort { get; init; }

    /// <summary>The source's classification of <see cref="RemoteIP"/> (Public, Private, ...); empty when not given.</summary>
    public required string RemoteIPType { get; init; }

    public string? RemoteUrl { get; init; }

    public required string InitiatingProcessFileName { get; init; }

    /// <summary>Bytes the device sent: Defender exports joined with a table that has them, Zeek orig_bytes.</summary>
    public long? SentBytes { get; init; }

    /// <summary>Bytes the device received: Zeek resp_bytes.</summary>
    public long? ReceivedBytes { get; init; }

    /// <summary>Bytes the device sent counting IP headers (Zeek orig_ip_bytes): RITA's data-size score uses these.</summary>
    public long? SentIpBytes { get; init; }

    public string? LocalIP { get; init; }

    public int? LocalPort { get; init; }

    /// <summary>Transport protocol as the source names it (tcp, udp, Tcp).</summary>
    public string? Protocol { get; init; }

    /// <summary>How long the connection lasted, in ticks (Zeek duration).</summary>
    public long? DurationTicks { get; init; }

    /// <summary>The source's own connection state (Zeek conn_state: SF, S0, RSTO, ...).</summary>
    public string? ConnectionState { get; init; }

    /// <summary>The name the device asked for: HTTP CONNECT target, HTTP Host, or TLS server name, in that order.</summary>
    public string? DestinationHost { get; init; }

    public string? HttpMethod { get; init; }

    public string? UserAgent { get; init; }

    public int? StatusCode { get; init; }

    /// <summary>The initiating process's id, where the endpoint logs it (Defender, Sysmon).</summary>
    public long? ProcessId { get; init; }

    /// <summary>The initiating process's command line, where the endpoint logs it (Defender, Sysmon Event ID 1).</summary>
    public string? ProcessCommandLine { get; init; }

    /// <summary>True when the request upgraded to WebSocket (Upgrade: websocket, or a 101 response), where the telemetry shows it.</summary>
    public bool? WebSocketUpgrade { get; init; }

    /// <summary>
    /// How many connections this one event stands for: Defender's ConnectionSuccessAggregatedReport
    /// carries uniqueEventsAggregated; null for a single connection.
    /// </summary>
    public int? AggregatedCount { get; init; }

    /// <summary>The product that reported the event when it is not the endpoint itself (CEF DeviceVendor/DeviceProduct: a firewall, a proxy).</summary>
    public string? Observer { get; init; }

    /// <summary>JA3 fingerprint of the TLS ClientHello, where the sensor logs it.</summary>
    public string? Ja3 { get; init; }

    /// <summary>JA3S fingerprint of the TLS ServerHello, where the sensor logs it.</summary>
    public string? Ja3s { get; init; }

    /// <summary>
    /// True when the source logged the connection only while it was still open (Zeek conn_long.log,
    /// open_conn.log) and never closed: its duration and byte counts run up to that last record.
    /// </summary>
    public bool StillOpen { get; init; }

    /// <summary>Where the event came from, so a finding can be traced back to the raw line.</summary>
    public required Provenance Provenance { get; init; }

    public DateTime Timestamp => new(TimestampTicks, DateTimeKind.Utc);
}

/// <summary>The raw evidence behind an event: which input and which line of it.</summary>
/// <param name="Input">The input the event was read from.</param>
/// <param name="Line">1-based line where the record starts.</param>
public readonly record struct Provenance(InputFile Input, long Line)
{
    public override string ToString() => $"{Input.DisplayName}:{Line}";
}

/// <summary>An input as the user named it (a path, or "-" for standard input).</summary>
/// <param name="PlainFilePath">
/// Set when the input is an uncompressed regular file, which a reader may reopen and read in
/// ranges on several threads; null for standard input and compressed files.
/// </param>
public sealed record InputFile(string DisplayName, string? PlainFilePath = null);
