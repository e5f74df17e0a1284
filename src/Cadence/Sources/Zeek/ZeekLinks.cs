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
/// What a conn_long.log or open_conn.log record says of a connection still open when it was
/// written: conn.log's fields, the duration and byte counts so far (-1 when unset).
/// </summary>
/// <param name="InputOrder">The position of its input in the run's reading order.</param>
internal sealed record ZeekOpenConnection(
    long TimestampTicks, string OrigHost, int OrigPort, string RespHost, int RespPort, string? Proto, long DurationTicks,
    string? ConnState, long SentBytes, long ReceivedBytes, long SentIpBytes, int InputOrder, Provenance Provenance)
{
    /// <summary>Longer wins; of two as long, the one read first (input order, then line), so the choice does not depend on threads.</summary>
    public bool Beats(ZeekOpenConnection other) =>
        DurationTicks != other.DurationTicks ? DurationTicks > other.DurationTicks
        : InputOrder != other.InputOrder ? InputOrder < other.InputOrder
        : Provenance.Line < other.Provenance.Line;
}

/// <summary>
/// http.log and ssl.log records waiting for their conn.log record, by uid, for one run; and the
/// records of connections logged while still open (conn_long.log, open_conn.log). Read
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
/// <para>
/// Open-connection records are held the same way, one per uid (the longest), so memory grows
/// with the connections logged open, never with conn.log: conn.log's uids are only looked up,
/// not kept. Open logs are read before conn logs (<see cref="ITelemetryFormat.ReadOrder"/>), so
/// when a conn record is read every open record of its connection is already held, and it drops
/// them: the closed connection's own record counts. Only when a conn record was read before or
/// beside an open record of its connection (one stream mixing both logs, read in ranges on
/// several threads; standard input named before) can an open record outlive its conn record: the
/// inputs concerned are then read once more, looking only for the uids still held.
/// </para>
/// </remarks>
internal sealed class ZeekLinks
{
    private const string UnlinkedNote = "http/ssl records no conn.log record claimed: read as events of their own";
    internal const string OpenSupersededNote = "open-connection records superseded by a longer record of the same connection (uid)";
    internal const string OpenClosedNote = "open-connection records dropped: the connection closed, and its conn.log record counts";
    internal const string OpenReadNote = "open-connection records read as connections still open at their last record";
    private const string OpenUncheckedNote = "open-connection records not checked against a conn.log read before them (it cannot be read twice)";
    internal const string OpenOverLimitNote = "open-connection records not held: more connections logged open than the limit of 262,144";

    // Connections logged open at once, per run: a sensor's sessions open an hour or more number
    // in the thousands; at about 400 bytes a record held this bounds a hostile log near 100 MB.
    internal const int MaxOpenConnections = 262_144;

    private readonly ConcurrentDictionary<string, ZeekOpenConnection> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZeekOpenConnection>.AlternateLookup<ReadOnlySpan<char>> _openBySpan;
    private readonly ConcurrentDictionary<InputFile, int> _inputOrder = new();
    private readonly ConcurrentDictionary<(InputFile Input, string Note), long> _openTally = new();
    private readonly ConcurrentQueue<(InputFile Input, int Order)> _connInputs = new();
    private int _heldOpen;

    // http and ssl records held: a conn record looks them up only when there are some.
    private int _heldLinks;

    // Set on the scratch run that looks again for the uids of open records still held: it holds
    // nothing, and its conn records only say whether their uid is one of these.
    private HashSet<string>.AlternateLookup<ReadOnlySpan<char>>? _rescan;
    private readonly ConcurrentDictionary<string, byte> _rescanFound = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, ZeekHttp> _http = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZeekSsl> _ssl = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ZeekHttp>.AlternateLookup<ReadOnlySpan<char>> _httpBySpan;
    private readonly ConcurrentDictionary<string, ZeekSsl>.AlternateLookup<ReadOnlySpan<char>> _sslBySpan;
    private int _held;

    public ZeekLinks()
    {
        _httpBySpan = _http.GetAlternateLookup<ReadOnlySpan<char>>();
        _sslBySpan = _ssl.GetAlternateLookup<ReadOnlySpan<char>>();
        _openBySpan = _open.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The input's position in the run's reading order (inputs are read one after the other): 0, 1, 2...</summary>
    public int OrderOf(InputFile input) => _inputOrder.GetOrAdd(input, static (_, all) => all.Count, _inputOrder);

    /// <summary>Says that an input delivered conn records, so a later look for unclaimed open records knows where to look.</summary>
    public void ConnInputRead(InputFile input) => _connInputs.Enqueue((input, OrderOf(input)));

    /// <summary>Holds an open connection's record, unless one of the same uid is longer (see <see cref="ZeekOpenConnection.Beats"/>).</summary>
    public void AddOpen(string uid, ZeekOpenConnection record)
    {
        if (_rescan is not null)
            return;
        while (true)
        {
            // Records of connections already held still compete; a new connection past the limit is counted, not held.
            if (Volatile.Read(ref _heldOpen) >= MaxOpenConnections && !_open.ContainsKey(uid))
            {
                Tally(record.Provenance.Input, OpenOverLimitNote);
                return;
            }
            if (_open.TryAdd(uid, record))
            {
                Interlocked.Increment(ref _heldOpen);
                Interlocked.Increment(ref _held);
                return;
            }
            if (!_open.TryGetValue(uid, out var held))
                continue;
            if (!record.Beats(held))
            {
                Tally(record.Provenance.Input, OpenSupersededNote);
                return;
            }
            if (_open.TryUpdate(uid, record, held))
            {
                Tally(held.Provenance.Input, OpenSupersededNote);
                return;
            }
        }
    }

    private void Tally(InputFile input, string note, long count = 1) => _openTally.AddOrUpdate((input, note), count, (_, n) => n + count);

    /// <summary>True when no record is waiting: a conn record then has nothing to claim.</summary>
    public bool IsEmpty => Volatile.Read(ref _held) == 0;

    public void AddHttp(string uid, ZeekHttp record) => Add(_http, uid, record, record.Provenance, static h => h.Provenance);

    public void AddSsl(string uid, ZeekSsl record) => Add(_ssl, uid, record, record.Provenance, static s => s.Provenance);

    /// <summary>
    /// Takes (and forgets) the records linked to a connection; drops the records of it logged
    /// while it was open, as its conn record now stands for it.
    /// </summary>
    public (ZeekHttp? Http, ZeekSsl? Ssl) Claim(ReadOnlySpan<char> uid)
    {
        ZeekHttp? http = null;
        ZeekSsl? ssl = null;
        // Most runs hold no open records: one counter read, no lookup.
        if (Volatile.Read(ref _heldOpen) > 0 && _openBySpan.TryRemove(uid, out _, out var open))
        {
            Interlocked.Decrement(ref _heldOpen);
            Interlocked.Decrement(ref _held);
            Tally(open.Provenance.Input, OpenClosedNote);
        }
        if (_rescan is { } rescan)
        {
            if (rescan.Contains(uid))
                _rescanFound.TryAdd(uid.ToString(), 0);
            return (null, null);
        }
        // Likewise when only open records are held: the http and ssl tables are not looked at.
        if (Volatile.Read(ref _heldLinks) == 0)
            return (null, null);
        if (_httpBySpan.TryRemove(uid, out _, out var h))
        {
            http = h;
            Interlocked.Decrement(ref _held);
            Interlocked.Decrement(ref _heldLinks);
        }
        if (_sslBySpan.TryRemove(uid, out _, out var s))
        {
            ssl = s;
            Interlocked.Decrement(ref _held);
            Interlocked.Decrement(ref _heldLinks);
        }
        return (http, ssl);
    }

    private void Add<T>(ConcurrentDictionary<string, T> records, string uid, T record, Provenance provenance, Func<T, Provenance> provenanceOf)
        where T : class
    {
        if (_rescan is not null)
            return;
        while (true)
        {
            if (records.TryAdd(uid, record))
            {
                Interlocked.Increment(ref _heldLinks);
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
    /// <remarks>
    /// Open-connection records no conn record dropped come first: each is its connection, still
    /// open at its last record, and takes the http and ssl records of its uid (the Host or server
    /// name it asked for puts it in the same channel as the device's other connections there).
    /// </remarks>
    public IEnumerable<NetworkEvent> Unclaimed(ReadContext context)
    {
        var pool = context.Pool;
        var ingests = context.Log.Inputs.GroupBy(i => i.Input).ToDictionary(g => g.Key, g => g.Last());
        foreach (var e in StillOpen(context, ingests))
            yield return e;
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

    /// <summary>The open connections no conn record closed, as connection events marked <see cref="NetworkEvent.StillOpen"/>; the tallies booked.</summary>
    private List<NetworkEvent> StillOpen(ReadContext context, Dictionary<InputFile, InputIngest> ingests)
    {
        var events = new List<NetworkEvent>();
        if (!_open.IsEmpty)
        {
            var held = _open.ToArray();
            Interlocked.Add(ref _held, -held.Length);
            Interlocked.Add(ref _heldOpen, -held.Length);
            _open.Clear();
            var closed = ClosedOnSecondLook(held, context);
            var pool = context.Pool;
            foreach (var (uid, record) in held.OrderBy(kv => kv.Value.TimestampTicks).ThenBy(kv => kv.Value.InputOrder).ThenBy(kv => kv.Value.Provenance.Line))
            {
                if (closed.Contains(uid))
                {
                    Tally(record.Provenance.Input, OpenClosedNote);
                    continue;
                }
                var (http, ssl) = Claim(uid);
                var e = new NetworkEvent
                {
                    TimestampTicks = record.TimestampTicks,
                    DeviceName = pool.Intern(record.OrigHost),
                    ActionType = ZeekRecordMapper.ActionTypeOf(record.ConnState, record.ConnState is not null),
                    RemoteIP = pool.Intern(record.RespHost),
                    RemotePort = record.RespPort,
                    RemoteIPType = AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(record.RespHost)),
                    InitiatingProcessFileName = string.Empty,
                    LocalIP = record.OrigHost,
                    LocalPort = record.OrigPort < 0 ? null : record.OrigPort,
                    Protocol = record.Proto,
                    DurationTicks = record.DurationTicks < 0 ? null : record.DurationTicks,
                    ConnectionState = record.ConnState,
                    SentBytes = record.SentBytes < 0 ? null : record.SentBytes,
                    ReceivedBytes = record.ReceivedBytes < 0 ? null : record.ReceivedBytes,
                    SentIpBytes = record.SentIpBytes < 0 ? null : record.SentIpBytes,
                    DestinationHost = http?.DestinationHost ?? ssl?.ServerName,
                    RemoteUrl = http?.Url,
                    HttpMethod = http?.Method,
                    UserAgent = http?.UserAgent,
                    StatusCode = http?.StatusCode,
                    WebSocketUpgrade = http?.WebSocketUpgrade,
                    Ja3 = ssl?.Ja3,
                    Ja3s = ssl?.Ja3s,
                    StillOpen = true,
                    Provenance = record.Provenance,
                };
                Tally(record.Provenance.Input, OpenReadNote);
                if (ingests.TryGetValue(record.Provenance.Input, out var ingest))
                    ingest.CountEvent(record.TimestampTicks);
                events.Add(e);
            }
        }
        foreach (var ((input, note), count) in _openTally.OrderBy(kv => kv.Key.Note, StringComparer.Ordinal))
        {
            if (ingests.TryGetValue(input, out var ingest))
                ingest.Note(note, count);
        }
        _openTally.Clear();
        return events;
    }

    /// <summary>
    /// The uids among <paramref name="held"/> that a conn record read before or beside their open
    /// record carries: those inputs are read once more, looking only for these uids. Standard input
    /// cannot be read twice; its records stay unchecked, and the account says so.
    /// </summary>
    private HashSet<string> ClosedOnSecondLook(KeyValuePair<string, ZeekOpenConnection>[] held, ReadContext context)
    {
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var latest = held.Max(kv => kv.Value.InputOrder);
        var suspects = _connInputs.Where(c => c.Order <= latest).Select(c => c.Input).Distinct().ToList();
        if (suspects.Count == 0)
            return closed;
        var uids = held.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var input in suspects)
        {
            var path = input.DisplayName;
            if (path == "-" || !File.Exists(path) || new FileInfo(path).Length == 0)
            {
                foreach (var (_, record) in held.Where(kv => kv.Value.InputOrder >= OrderOf(input)))
                    Tally(record.Provenance.Input, OpenUncheckedNote);
                continue;
            }
            // A scratch run over the same input: its account is thrown away (the rows were
            // counted the first time), and it holds nothing of its own.
            var scratch = new ReadContext(new IngestLog(), context.Pool) { DegreeOfParallelism = context.DegreeOfParallelism };
            var look = scratch.StateOf<ZeekLinks>();
            look.LookFor(uids);
            new TelemetryReader(scratch).ReadInto([path], DiscardSink.Instance);
            closed.UnionWith(look._rescanFound.Keys);
        }
        return closed;
    }

    /// <summary>Turns this (fresh) instance into a second look for the conn records of <paramref name="uids"/>.</summary>
    private void LookFor(HashSet<string> uids)
    {
        _rescan = uids.GetAlternateLookup<ReadOnlySpan<char>>();
        // Never empty, so every conn record's uid is looked at.
        _held = 1;
    }

    private sealed class DiscardSink : IEventSink
    {
        public static readonly DiscardSink Instance = new();

        public void Accept(in NetworkEvent e)
        {
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
        Interlocked.Add(ref _held, -list.Count);
        Interlocked.Add(ref _heldLinks, -list.Count);
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
