using Cadence.Telemetry;

namespace Cadence.Sources.Zeek;

/// <summary>What an http.log record adds to its connection.</summary>
internal sealed record ZeekHttp(
    long TimestampTicks, string OrigHost, int OrigPort, string RespHost, int RespPort,
    string? Method, string? Host, string? Uri, string? UserAgent, int? StatusCode, Provenance Provenance)
{
    /// <summary>The name asked for: a CONNECT's target (its URI, host:port), else the Host header.</summary>
    public string? DestinationHost =>
        Method == "CONNECT" && !string.IsNullOrEmpty(Uri) ? StripPort(Uri) : string.IsNullOrEmpty(Host) ? null : StripPort(Host);

    /// <summary>The URL in Defender's RemoteUrl style: CONNECT keeps host:port, a request gets http://host/path.</summary>
    public string? Url => Method == "CONNECT" ? Uri : Host is null ? Uri : $"http://{Host}{Uri}";

    private static string StripPort(string hostPort)
    {
        // IPv6 literals in brackets keep their colons.
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? hostPort[1..close] : hostPort;
        }
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && hostPort.IndexOf(':', StringComparison.Ordinal) == colon ? hostPort[..colon] : hostPort;
    }
}

/// <summary>What an ssl.log record adds to its connection.</summary>
internal sealed record ZeekSsl(
    long TimestampTicks, string OrigHost, int OrigPort, string RespHost, int RespPort,
    string? ServerName, string? Ja3, string? Ja3s, Provenance Provenance);

/// <summary>
/// http.log and ssl.log records waiting for their conn.log record, by uid, for one run. Read
/// before conn.log (see <see cref="ZeekLogFormat.ReadOrder"/>); a conn record takes the first
/// HTTP request of its connection (as RITA does) and its TLS handshake, and what no conn record
/// claims is emitted on its own at the end.
/// </summary>
/// <remarks>Holds every http and ssl record until conn.log is read: memory grows with them.</remarks>
internal sealed class ZeekLinks
{
    public Dictionary<string, ZeekHttp> Http { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ZeekSsl> Ssl { get; } = new(StringComparer.Ordinal);

    public void AddHttp(string uid, ZeekHttp record) => Http.TryAdd(uid, record);

    public void AddSsl(string uid, ZeekSsl record) => Ssl.TryAdd(uid, record);

    /// <summary>Takes (and forgets) the records linked to a connection.</summary>
    public (ZeekHttp? Http, ZeekSsl? Ssl) Claim(string uid)
    {
        Http.Remove(uid, out var http);
        Ssl.Remove(uid, out var ssl);
        return (http, ssl);
    }
}
