using System.Collections.Concurrent;
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

    /// <summary>
    /// True on a 101 Switching Protocols answer: http.log has no Upgrade header column by default,
    /// and a browser or implant asking for a WebSocket is what a 101 answers (an h2c upgrade, the
    /// other use of 101, is all but unused by clients). Null otherwise: nothing says it was not.
    /// </summary>
    public bool? WebSocketUpgrade => StatusCode == 101 ? true : null;

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
/// before conn.log (see <see cref="ITelemetryFormat.ReadOrder"/>); a conn record takes the first
/// HTTP request of its connection (as RITA does) and its TLS handshake, and what no conn record
/// claims is emitted on its own at the end.
/// </summary>
/// <remarks>
/// Thread-safe: ranges of one file are read on several threads, which add and claim at once.
/// "First" stays the first in the file however the ranges race: a record replaces a held one of
/// the same uid from the same input when it sits on an earlier line (inputs themselves are read
/// one after the other). Holds every http and ssl record until conn.log is read: memory grows
/// with them.
/// </remarks>
internal sealed class ZeekLinks
{
    private const string UnlinkedNote = "http/ssl records no conn.log record claimed: read as events of their own";

    private readonly ConcurrentDictionary<string, ZeekHttp> _http = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZeekSsl> _ssl = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZeekHttp>.AlternateLookup<ReadOnlySpan<char>> _httpBySpan;
    private readonly ConcurrentDictionary<string, ZeekSsl>.AlternateLookup<ReadOnlySpan<char>> _sslBySpan;
    private int _held;

    public ZeekLinks()
    {
        _httpBySpan = _http.GetAlternateLookup<ReadOnlySpan<char>>();
        _sslBySpan = _ssl.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when no record is waiting: a conn record then has nothing to claim.</summary>
    public bool IsEmpty => Volatile.Read(ref _held) == 0;

    public void AddHttp(string uid, ZeekHttp record) => Add(_http, uid, record, record.Provenance, static h => h.Provenance);

    public void AddSsl(string uid, ZeekSsl record) => Add(_ssl, uid, record, record.Provenance, static s => s.Provenance);

    /// <summary>Takes (and forgets) the records linked to a connection.</summary>
    public (ZeekHttp? Http, ZeekSsl? Ssl) Claim(ReadOnlySpan<char> uid)
    {
        ZeekHttp? http = null;
        ZeekSsl? ssl = null;
        if (_httpBySpan.TryRemove(uid, out _, out var h))
        {
            http = h;
            Interlocked.Decrement(ref _held);
        }
        if (_sslBySpan.TryRemove(uid, out _, out var s))
        {
            ssl = s;
            Interlocked.Decrement(ref _held);
        }
        return (http, ssl);
    }

    private void Add<T>(ConcurrentDictionary<string, T> records, string uid, T record, Provenance provenance, Func<T, Provenance> provenanceOf)
        where T : class
    {
        while (true)
        {
            if (records.TryAdd(uid, record))
            {
                Interlocked.Increment(ref _held);
                return;
            }
            if (!records.TryGetValue(uid, out var held))
                continue;
            var heldAt = provenanceOf(held);
            if (heldAt.Input != provenance.Input || heldAt.Line <= provenance.Line || records.TryUpdate(uid, record, held))
                return;
        }
    }

    /// <summary>
    /// The records no connection claimed (an http.log without its conn.log), as events of their
    /// own with what they carry, in time order; counted in their input's account. Forgets them.
    /// </summary>
    public IEnumerable<NetworkEvent> Unclaimed(ReadContext context)
    {
        var pool = context.Pool;
        var ingests = context.Log.Inputs.GroupBy(i => i.Input).ToDictionary(g => g.Key, g => g.Last());
        var http = Drain(_http, h => h.Provenance, h => h.TimestampTicks);
        var ssl = Drain(_ssl, s => s.Provenance, s => s.TimestampTicks);
        foreach (var record in http)
        {
            Count(ingests, record.Provenance, record.TimestampTicks);
            yield return new NetworkEvent
            {
                TimestampTicks = record.TimestampTicks,
                DeviceName = pool.Intern(record.OrigHost),
                ActionType = "HttpConnectionInspected",
                RemoteIP = pool.Intern(record.RespHost),
                RemotePort = record.RespPort,
                RemoteIPType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(record.RespHost)),
                InitiatingProcessFileName = string.Empty,
                LocalIP = record.OrigHost,
                LocalPort = record.OrigPort,
                DestinationHost = record.DestinationHost,
                RemoteUrl = record.Url,
                HttpMethod = record.Method,
                UserAgent = record.UserAgent,
                StatusCode = record.StatusCode,
                WebSocketUpgrade = record.WebSocketUpgrade,
                Provenance = record.Provenance,
            };
        }
        foreach (var record in ssl)
        {
            Count(ingests, record.Provenance, record.TimestampTicks);
            yield return new NetworkEvent
            {
                TimestampTicks = record.TimestampTicks,
                DeviceName = pool.Intern(record.OrigHost),
                ActionType = "SslConnectionInspected",
                RemoteIP = pool.Intern(record.RespHost),
                RemotePort = record.RespPort,
                RemoteIPType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(record.RespHost)),
                InitiatingProcessFileName = string.Empty,
                LocalIP = record.OrigHost,
                LocalPort = record.OrigPort,
                DestinationHost = record.ServerName,
                Ja3 = record.Ja3,
                Ja3s = record.Ja3s,
                Provenance = record.Provenance,
            };
        }
    }

    private List<T> Drain<T>(ConcurrentDictionary<string, T> records, Func<T, Provenance> provenanceOf, Func<T, long> ticksOf)
    {
        // Time order, then file order: the same output whatever order the threads held them in.
        var list = records.Values
            .OrderBy(ticksOf)
            .ThenBy(r => provenanceOf(r).Input.DisplayName, StringComparer.Ordinal)
            .ThenBy(r => provenanceOf(r).Line)
            .ToList();
        Interlocked.Add(ref _held, -records.Count);
        records.Clear();
        return list;
    }

    private static void Count(Dictionary<InputFile, InputIngest> ingests, Provenance provenance, long ticks)
    {
        if (!ingests.TryGetValue(provenance.Input, out var ingest))
            return;
        ingest.CountEvent(ticks);
        ingest.Note(UnlinkedNote);
    }
}
