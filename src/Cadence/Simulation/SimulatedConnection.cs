namespace Cadence.Simulation;

/// <summary>How a simulated connection ended, in Defender's ActionType words.</summary>
internal enum ConnectionOutcome
{
    /// <summary>Defender ConnectionSuccess; Zeek SF.</summary>
    Success,

    /// <summary>Refused: Defender ConnectionFailed; Zeek REJ.</summary>
    Failed,

    /// <summary>No answer: Defender ConnectionAttempt; Zeek S0.</summary>
    Attempt,
}

/// <summary>The HTTP request and response of a plain-HTTP connection, as Zeek's http.log and Defender's HttpConnectionInspected carry them.</summary>
internal sealed record HttpExchange(
    string Method, string Host, string Uri, string UserAgent, int StatusCode, long RequestBodyLength, long ResponseBodyLength)
{
    public string StatusMessage => StatusCode switch
    {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "-",
    };
}

/// <summary>The TLS handshake of a connection, as Zeek's ssl.log (with the JA3 package) and Defender's SslConnectionInspected carry it.</summary>
internal sealed record TlsHandshake(string ServerName, TlsClient Client, string Ja3, string Ja3s, bool Resumed);

/// <summary>One TCP connection a process on a device made, before any format is chosen.</summary>
internal sealed record SimulatedConnection
{
    /// <summary>Start of the connection, UTC ticks, whole microseconds (Zeek's resolution).</summary>
    public required long Ticks { get; init; }

    public required SimulatedDevice Device { get; init; }

    public required SimulatedProcess Process { get; init; }

    /// <summary>The profile the connection belongs to: where its label comes from.</summary>
    public required SimulationProfile Profile { get; init; }

    /// <summary>The name the process connected to (HTTP Host, TLS server name, Defender RemoteUrl).</summary>
    public required string Host { get; init; }

    public required string RemoteIP { get; init; }

    public required int RemotePort { get; init; }

    public required int LocalPort { get; init; }

    public required ConnectionOutcome Outcome { get; init; }

    /// <summary>Payload bytes the device sent (Zeek orig_bytes).</summary>
    public long SentBytes { get; init; }

    /// <summary>Payload bytes the device received (Zeek resp_bytes).</summary>
    public long ReceivedBytes { get; init; }

    public long DurationTicks { get; init; }

    /// <summary>Set on successful plain-HTTP connections.</summary>
    public HttpExchange? Http { get; init; }

    /// <summary>Set on successful TLS connections.</summary>
    public TlsHandshake? Tls { get; init; }

    /// <summary>Whether Defender logs an SslConnectionInspected row for this TLS connection (it inspects a fraction).</summary>
    public bool DefenderInspectsTls { get; init; }
}
