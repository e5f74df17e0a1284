using System.Runtime.CompilerServices;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Channels;

/// <summary>One connection of a channel, column values only: 40 bytes, whatever the source.</summary>
/// <param name="SentBytes">-1 when unknown; so are the other counts.</param>
public readonly record struct ChannelConnection(long Ticks, long SentBytes, long ReceivedBytes, long SentIpBytes, long DurationTicks);

/// <summary>
/// Everything the channel analytics keep about one (device, process, destination): the
/// connections (times and sizes, for timing), the addresses and ports used, failures, and the
/// HTTP and TLS details (user agents, fingerprints, upgrades, command lines) other analytics read.
/// </summary>
/// <remarks>
/// Memory: 8 bytes per connection in the window while the telemetry gives times alone (Defender's
/// DeviceNetworkEvents has no byte counts), 40 bytes once any connection has a size or a
/// duration, up to <see cref="ChannelLimits.MaxConnections"/> per channel (beyond it the channel
/// is a strobe: counted, not timed), plus small capped sets.
/// A fleet's export has hundreds of thousands of channels, most with a handful of connections,
/// one address, one port and one command line, all alive until scoring: each extra object per
/// channel was more for the garbage collector to walk and copy (a fifth of a run at one time),
/// so the common case lives in this one object and the rest is made on first use.
/// </remarks>
public sealed class ChannelSeries
{
    // As many as the first array used to hold: channels fill up (and shed what left the window)
    // at the same counts as before.
    private const int InlineConnections = 4;

    private static readonly Dictionary<string, int> NoUserAgents = [];
    private static readonly Dictionary<string, long> NoTicks = [];
    private static readonly HashSet<string> NoStrings = [];

    // Times alone until a connection brings a size or a duration: a connection of a
    // DeviceNetworkEvents export was 40 bytes of which 32 said "unknown", and the channels' memory,
    // all of it fresh, was about a third of what an all-analytics run on the 1M-row export wrote
    // (page faults about a tenth of its CPU, perf). From the first size on, whole connections.
    private FirstTimes _inlineTimes;
    private long[]? _times;
    private ChannelConnection[]? _connections;

    // Nearly every channel uses one address and one port: those are held inline, and a set is
    // made only for a second one (a CDN, a fallback port).
    private string? _remoteIP;

    // The addresses' keyed hashes (the grouping's), compared instead of the strings: each
    // channel's address is a string of its own among tens of thousands, and reading it for
    // every event was a cache miss apiece (with hashing for a set's lookup, about 7 % of an
    // all-analytics run's CPU on the 1M-row export). Two of a channel's addresses share a hash
    // with probability 2^-64, and the key is random per run, so no input can be crafted to
    // collide; if two did, the second would not be listed in RemoteIPs (so not matched against
    // known-bad addresses), the same odds the channel key itself is taken on.
    private ulong _remoteIPHash;
    private int _remotePort = -1;

    // Distinct command lines, at most ChannelLimits.MaxCommandLines: the first inline, the rest in Extras.
    private string? _commandLine;

    // What few channels need (a second address, port or command line, a strobe's overflow,
    // durations, aggregated reports, upgrades): made on first use. Held inline, these were about
    // 90 of a channel's bytes, fresh memory for each of a 1M-row export's 204,331 channels.
    private Extras? _extras;

    // Most channels carry no HTTP or TLS details: made on first use.
    private HttpTlsDetails? _details;

    internal ChannelSeries(ChannelKey key, ulong deviceHash, ulong destinationHash)
    {
        Key = key;
        DeviceHash = deviceHash;
        DestinationHash = destinationHash;
    }

    public ChannelSeries()
    {
    }

    /// <summary>The channel this series belongs to (set by the grouping that made it).</summary>
    internal ChannelKey Key { get; }

    /// <summary>The grouping's keyed hash of <see cref="ChannelKey.Device"/> (<see cref="ChannelTable.HashOf"/>).</summary>
    internal ulong DeviceHash { get; }

    /// <summary>The grouping's keyed hash of <see cref="ChannelKey.Destination"/>, taken when the channel is made, while its characters are in cache.</summary>
    internal ulong DestinationHash { get; }

    public int Count { get; private set; }

    private int Capacity => _connections?.Length ?? _times?.Length ?? InlineConnections;

    /// <summary>True once a connection brought a size or a duration: connections are kept whole.</summary>
    private bool KeepsWhole => _connections is not null;

    private Span<long> TimesStorage => _times is { } array ? array : _inlineTimes;

    /// <summary>
    /// Reads what adding an event to this channel reads (the times, the address hash, the port,
    /// and where the next connection goes), so a batch's cache misses on its channels overlap
    /// before the batch is added (see ChannelGrouping.Apply). Returns a value only so the reads
    /// are not dropped.
    /// </summary>
    internal long Touch()
    {
        // Read without the lock while another thread may grow the storage or switch it to whole
        // connections: each array is read once and indexed within its own length.
        long next;
        if (_connections is { } whole)
        {
            next = whole[Math.Min(Count, whole.Length - 1)].Ticks;
        }
        else
        {
            var times = TimesStorage;
            next = times[Math.Min(Count, times.Length - 1)];
        }
        return Count + LastTicks + FirstTicks + (long)_remoteIPHash + _remotePort + next;
    }

    /// <summary>True when the next connection would grow the storage: the moment to drop what fell out of the window.</summary>
    internal bool IsFull => Count == Capacity;

    /// <summary>
    /// The connections in time order (once the grouping is complete). Where only times are kept
    /// this makes a copy with every count unknown (-1): the analytics that walk every channel read
    /// <see cref="CopyTimesTo"/> and <see cref="CopySentBytesTo"/> instead.
    /// </summary>
    public ReadOnlySpan<ChannelConnection> Connections
    {
        get
        {
            if (KeepsWhole)
                return _connections.AsSpan(0, Count);
            var times = TimesStorage[..Count];
            var connections = new ChannelConnection[times.Length];
            for (var i = 0; i < times.Length; i++)
                connections[i] = new ChannelConnection(times[i], -1, -1, -1, -1);
            return connections;
        }
    }

    /// <summary>The connections whole, in time order; empty where only times are kept (no connection has a size or a duration).</summary>
    public ReadOnlySpan<ChannelConnection> WholeConnections => KeepsWhole ? _connections.AsSpan(0, Count) : [];

    /// <summary>Copies the connections' times into <paramref name="destination"/> (at least <see cref="Count"/> long).</summary>
    public void CopyTimesTo(Span<long> destination)
    {
        if (!KeepsWhole)
        {
            TimesStorage[..Count].CopyTo(destination);
            return;
        }
        for (var i = 0; i < Count; i++)
            destination[i] = _connections![i].Ticks;
    }

    /// <summary>Copies the bytes sent per connection (-1 where unknown) into <paramref name="destination"/>; false when none is known.</summary>
    public bool CopySentBytesTo(Span<long> destination)
    {
        if (!KeepsWhole)
        {
            destination[..Count].Fill(-1);
            return false;
        }
        var anyKnown = false;
        for (var i = 0; i < Count; i++)
        {
            destination[i] = _connections![i].SentBytes;
            anyKnown |= destination[i] >= 0;
        }
        return anyKnown;
    }

    /// <summary>Bytes sent and received over the connections kept; null where no connection's is known.</summary>
    public (long? Sent, long? Received) ByteTotals()
    {
        long? sent = null, received = null;
        if (!KeepsWhole)
            return (sent, received);
        foreach (ref readonly var c in _connections.AsSpan(0, Count))
        {
            if (c.SentBytes >= 0) sent = (sent ?? 0) + c.SentBytes;
            if (c.ReceivedBytes >= 0) received = (received ?? 0) + c.ReceivedBytes;
        }
        return (sent, received);
    }

    /// <summary>The first and last connection's times (in time order once the grouping is complete); null when none is kept.</summary>
    public (long First, long Last)? ConnectionSpan() =>
        Count == 0 ? null : KeepsWhole ? (_connections![0].Ticks, _connections[Count - 1].Ticks) : (TimesStorage[0], TimesStorage[Count - 1]);

    /// <summary>Connections beyond the per-channel limit: counted, not kept.</summary>
    public long Overflow => _extras?.Overflow ?? 0;

    public long Failed { get; private set; }

    /// <summary>Extra connections Defender's aggregated reports stand for beyond the one event each.</summary>
    public long AggregatedExtra => _extras?.AggregatedExtra ?? 0;

    /// <summary>Events carrying HTTP details (a method or a user agent).</summary>
    public long HttpEvents => _details?.HttpEvents ?? 0;

    /// <summary>HTTP events with an empty or missing user agent.</summary>
    public long MissingUserAgent => _details?.MissingUserAgent ?? 0;

    public long WebSocketUpgrades => _extras?.WebSocketUpgrades ?? 0;

    /// <summary>
    /// True when the channel carries anything beyond its connections' times and sizes: HTTP or
    /// TLS details (user agents, fingerprints), WebSocket upgrades, or durations.
    /// </summary>
    public bool HasDetails => _details is not null || WebSocketUpgrades > 0 || DurationTicksTotal > 0;

    /// <summary>Events carrying a JA3 (TLS handshakes the sensor fingerprinted): how often <see cref="Ja3"/> was seen, not how many values.</summary>
    public long Ja3Handshakes => _details?.Ja3Handshakes ?? 0;

    /// <summary>Handshakes whose JA3 the channel had already seen: a fixed TLS stack repeats its one fingerprint, a permuting browser almost never does.</summary>
    public long Ja3Repeats => _details?.Ja3Repeats ?? 0;

    /// <summary>Sum of connection durations where the source logs them (Zeek duration).</summary>
    public long DurationTicksTotal => _extras?.DurationTicksTotal ?? 0;

    public long LongestDurationTicks => _extras?.LongestDurationTicks ?? 0;

    /// <summary>Connections the source logged only while still open (Zeek conn_long/open_conn): their durations run up to that last record.</summary>
    public long StillOpen => _extras?.StillOpen ?? 0;

    public IReadOnlyDictionary<string, int> UserAgents => _details?.UserAgents ?? NoUserAgents;

    /// <summary>
    /// When each of <see cref="UserAgents"/> was last sent: the window is known only at the end of
    /// a read, and a user agent whose every request fell out of it must not count.
    /// </summary>
    public IReadOnlyDictionary<string, long> UserAgentLastTicks => _details?.UserAgentLastTicks ?? NoTicks;

    // A one-element array, not a set, for the usual single value: every finding reads these.
    public IReadOnlyCollection<string> RemoteIPs => (IReadOnlyCollection<string>?)_extras?.RemoteIPs ?? (_remoteIP is null ? [] : new[] { _remoteIP });

    public IReadOnlyCollection<int> RemotePorts => (IReadOnlyCollection<int>?)_extras?.RemotePorts ?? (_remotePort < 0 ? [] : new[] { _remotePort });

    public IReadOnlySet<string> Ja3 => _details?.Ja3 ?? NoStrings;

    public IReadOnlySet<string> Ja3s => _details?.Ja3s ?? NoStrings;

    /// <summary>The distinct command lines logged for the channel's connections (capped), in no particular order.</summary>
    public ReadOnlySpan<string> CommandLines =>
        _extras?.CommandLines is { } many ? many.AsSpan(0, _extras.CommandLineCount) : _commandLine is null ? [] : new ReadOnlySpan<string>(in _commandLine);

    /// <summary>The first event seen for the channel: evidence a finding points back to.</summary>
    public Provenance? FirstEvidence { get; private set; }

    public long FirstTicks { get; private set; } = long.MaxValue;

    public long LastTicks { get; private set; } = long.MinValue;

    /// <param name="remoteIPHash">The keyed hash of the event's remote address, as the grouping computes it for every event of the run.</param>
    internal void AddConnection(in NetworkEvent e, ulong remoteIPHash, ChannelLimits limits)
    {
        Describe(e, remoteIPHash, limits);
        if (e.AggregatedCount is > 1)
            Rare.AggregatedExtra += e.AggregatedCount.Value - 1;
        if (e.StillOpen)
            Rare.StillOpen++;
        if (e.DurationTicks is { } duration and > 0)
        {
            Rare.DurationTicksTotal += duration;
            Rare.LongestDurationTicks = Math.Max(Rare.LongestDurationTicks, duration);
        }
        if (Count >= limits.MaxConnections)
        {
            Rare.Overflow++;
            return;
        }
        Append(new ChannelConnection(e.TimestampTicks, e.SentBytes ?? -1, e.ReceivedBytes ?? -1, e.SentIpBytes ?? -1, e.DurationTicks ?? -1), limits);
    }

    /// <summary>Keeps a connection (the caller checked the per-channel limit).</summary>
    private void Append(in ChannelConnection connection, ChannelLimits limits)
    {
        if (!KeepsWhole && (connection.SentBytes >= 0 || connection.ReceivedBytes >= 0 || connection.SentIpBytes >= 0 || connection.DurationTicks >= 0))
            KeepWhole();
        if (Count == Capacity)
            Grow(limits);
        if (KeepsWhole)
            _connections![Count++] = connection;
        else
            TimesStorage[Count++] = connection.Ticks;
    }

    /// <summary>From times alone to whole connections, at the same capacity (channels fill up, and shed what left the window, at the same counts).</summary>
    private void KeepWhole()
    {
        var whole = new ChannelConnection[Capacity];
        var times = TimesStorage[..Count];
        for (var i = 0; i < times.Length; i++)
            whole[i] = new ChannelConnection(times[i], -1, -1, -1, -1);
        _connections = whole;
        _times = null;
    }

    private void Grow(ChannelLimits limits)
    {
        var capacity = Math.Min(Capacity * 2, Math.Max(limits.MaxConnections, InlineConnections));
        if (KeepsWhole)
        {
            var grown = new ChannelConnection[capacity];
            _connections.AsSpan(0, Count).CopyTo(grown);
            _connections = grown;
        }
        else
        {
            var grown = new long[capacity];
            TimesStorage[..Count].CopyTo(grown);
            _times = grown;
        }
    }

    internal void AddFailure(in NetworkEvent e, ulong remoteIPHash, ChannelLimits limits)
    {
        Failed += e.AggregatedCount ?? 1;
        Describe(e, remoteIPHash, limits);
    }

    internal void AddInspection(in NetworkEvent e, ulong remoteIPHash, ChannelLimits limits) => Describe(e, remoteIPHash, limits);

    /// <summary>
    /// Adds an event with no HTTP or TLS details, as <see cref="AddConnection"/>, <see cref="AddFailure"/>
    /// or <see cref="AddInspection"/> would for its role, from the characters a reader holds: a
    /// string is made only for an address or command line new to the channel.
    /// </summary>
    /// <param name="addresses">Where addresses new to the channel are interned.</param>
    /// <param name="commandLines">Where command lines new to the channel are interned (the process analytic remembers its verdicts per instance).</param>
    internal void AddPlain(ChannelRole role, in PlainEvent e, HashedStrings addresses, HashedStrings commandLines, ChannelLimits limits)
    {
        if (e.Ticks < FirstTicks)
        {
            FirstTicks = e.Ticks;
            FirstEvidence = e.Provenance;
        }
        LastTicks = Math.Max(LastTicks, e.Ticks);
        AddRemoteIP(e.RemoteIP, e.RemoteIPHash, null, addresses, limits);
        AddRemotePort(e.RemotePort, limits);
        if (!e.CommandLine.IsEmpty)
            AddCommandLine(e.CommandLine, null, commandLines, limits);
        if (role == ChannelRole.Failed)
        {
            Failed++;
            return;
        }
        if (role != ChannelRole.Connection)
            return;
        if (Count >= limits.MaxConnections)
        {
            Rare.Overflow++;
            return;
        }
        Append(new ChannelConnection(e.Ticks, e.SentBytes ?? -1, e.ReceivedBytes ?? -1, -1, -1), limits);
    }

    private void Describe(in NetworkEvent e, ulong remoteIPHash, ChannelLimits limits)
    {
        if (e.TimestampTicks < FirstTicks)
        {
            FirstTicks = e.TimestampTicks;
            FirstEvidence = e.Provenance;
        }
        LastTicks = Math.Max(LastTicks, e.TimestampTicks);
        AddRemoteIP(e.RemoteIP, remoteIPHash, e.RemoteIP, null, limits);
        AddRemotePort(e.RemotePort, limits);
        if (e.HttpMethod is not null || e.UserAgent is not null)
            (_details ??= new()).AddHttp(e, limits);
        if (e.WebSocketUpgrade == true)
            Rare.WebSocketUpgrades++;
        if (!string.IsNullOrEmpty(e.Ja3))
            (_details ??= new()).AddJa3(e.Ja3, limits);
        if (!string.IsNullOrEmpty(e.Ja3s))
            (_details ??= new()).AddJa3s(e.Ja3s, limits);
        if (!string.IsNullOrEmpty(e.ProcessCommandLine))
            AddCommandLine(e.ProcessCommandLine, e.ProcessCommandLine, null, limits);
    }

    /// <param name="instance">The value as a string when the caller has one (interned by a reader), else null and it is made from <paramref name="interned"/>.</param>
    private void AddCommandLine(ReadOnlySpan<char> commandLine, string? instance, HashedStrings? interned, ChannelLimits limits)
    {
        // Interned by the readers: a reference check settles the common case without comparing text.
        if (_commandLine is not null && (ReferenceEquals(instance, _commandLine) || commandLine.SequenceEqual(_commandLine)))
            return;
        if (_commandLine is null)
        {
            if (limits.MaxCommandLines > 0)
                _commandLine = instance ?? interned!.Intern(commandLine);
            return;
        }
        if (CommandLines.Length >= limits.MaxCommandLines)
            return;
        foreach (var seen in CommandLines)
        {
            if (commandLine.SequenceEqual(seen))
                return;
        }
        var rare = Rare;
        if (rare.CommandLines is null)
        {
            rare.CommandLines = new string[limits.MaxCommandLines];
            rare.CommandLines[0] = _commandLine;
            rare.CommandLineCount = 1;
        }
        rare.CommandLines[rare.CommandLineCount++] = instance ?? interned!.Intern(commandLine);
    }

    /// <param name="instance">The address as a string when the caller has one (interned by a reader), else null and it is interned in <paramref name="interned"/> when new to the channel.</param>
    private void AddRemoteIP(ReadOnlySpan<char> ip, ulong hash, string? instance, HashedStrings? interned, ChannelLimits limits)
    {
        if (ip.IsEmpty)
            return;
        if (_remoteIP is null)
        {
            _remoteIP = instance ?? interned!.Intern(ip);
            _remoteIPHash = hash;
            return;
        }
        if (hash == _remoteIPHash)
            return;
        // A channel's few addresses (a CDN's handful, at most MaxDistinct): a scan beats a set's lookup.
        var rare = Rare;
        foreach (var seen in rare.OtherIPHashes.AsSpan(0, rare.OtherIPCount))
        {
            if (seen == hash)
                return;
        }
        if (1 + rare.OtherIPCount >= limits.MaxDistinct)
            return;
        if (rare.OtherIPHashes is null || rare.OtherIPCount == rare.OtherIPHashes.Length)
            Array.Resize(ref rare.OtherIPHashes, Math.Min(Math.Max(4, rare.OtherIPCount * 2), limits.MaxDistinct));
        rare.OtherIPHashes[rare.OtherIPCount++] = hash;
        (rare.RemoteIPs ??= new(StringComparer.Ordinal) { _remoteIP }).Add(instance ?? interned!.Intern(ip));
    }

    private void AddRemotePort(int port, ChannelLimits limits)
    {
        if (port < 0 || port == _remotePort)
            return;
        if (_remotePort < 0)
        {
            _remotePort = port;
            return;
        }
        var ports = Rare.RemotePorts ??= [_remotePort];
        if (ports.Count < limits.MaxDistinct)
            ports.Add(port);
    }

    /// <summary>Drops connections at or before <paramref name="cutoffTicks"/> (out of the window).</summary>
    internal int DropThrough(long cutoffTicks) => KeepWindow(cutoffTicks, long.MaxValue);

    /// <summary>Keeps connections in (<paramref name="afterTicks"/>, <paramref name="throughTicks"/>]; returns how many were dropped.</summary>
    internal int KeepWindow(long afterTicks, long throughTicks)
    {
        var kept = 0;
        if (KeepsWhole)
        {
            var connections = _connections.AsSpan(0, Count);
            foreach (var c in connections)
            {
                if (c.Ticks > afterTicks && c.Ticks <= throughTicks)
                    connections[kept++] = c;
            }
        }
        else
        {
            var times = TimesStorage[..Count];
            foreach (var t in times)
            {
                if (t > afterTicks && t <= throughTicks)
                    times[kept++] = t;
            }
        }
        var dropped = Count - kept;
        Count = kept;
        return dropped;
    }

    /// <summary>
    /// Puts the connections in time order; connections at the same tick by their sizes, so the
    /// order does not depend on which reader thread added which first.
    /// </summary>
    internal void SortByTime()
    {
        if (!KeepsWhole)
        {
            // Times alone: equal values are the same value, so any sort gives one order.
            TimesStorage[..Count].Sort();
            return;
        }
        var connections = _connections.AsSpan(0, Count);
        // Nearly every channel holds a few connections: an insertion sort on them, with no
        // comparison delegate, took the closing pass's sorting from about a third of its CPU
        // samples on the 1M-row export (the generic sort's calls) to a few percent.
        if (connections.Length > 16)
        {
            connections.Sort(static (a, b) => Compare(a, b));
            return;
        }
        for (var i = 1; i < connections.Length; i++)
        {
            var connection = connections[i];
            var j = i - 1;
            while (j >= 0 && Compare(connections[j], connection) > 0)
            {
                connections[j + 1] = connections[j];
                j--;
            }
            connections[j + 1] = connection;
        }
    }

    private static int Compare(in ChannelConnection a, in ChannelConnection b)
    {
        var c = a.Ticks.CompareTo(b.Ticks);
        if (c == 0) c = a.SentBytes.CompareTo(b.SentBytes);
        if (c == 0) c = a.ReceivedBytes.CompareTo(b.ReceivedBytes);
        if (c == 0) c = a.SentIpBytes.CompareTo(b.SentIpBytes);
        if (c == 0) c = a.DurationTicks.CompareTo(b.DurationTicks);
        return c;
    }

    private Extras Rare => _extras ??= new();

    /// <summary>What few channels need: one object for those that have any.</summary>
    private sealed class Extras
    {
        public HashSet<string>? RemoteIPs;
        public ulong[]? OtherIPHashes;
        public int OtherIPCount;
        public HashSet<int>? RemotePorts;
        public string[]? CommandLines;
        public int CommandLineCount;
        public long Overflow;
        public long AggregatedExtra;
        public long WebSocketUpgrades;
        public long DurationTicksTotal;
        public long LongestDurationTicks;
        public long StillOpen;
    }

    [InlineArray(InlineConnections)]
    private struct FirstTimes
    {
        private long _first;
    }

    /// <summary>What only HTTP and TLS telemetry fills in: one object for the channels that have any.</summary>
    private sealed class HttpTlsDetails
    {
        public Dictionary<string, int>? UserAgents;
        public Dictionary<string, long>? UserAgentLastTicks;
        public HashSet<string>? Ja3;
        public HashSet<string>? Ja3s;
        public long HttpEvents;
        public long MissingUserAgent;
        public long Ja3Handshakes;
        public long Ja3Repeats;

        public void AddHttp(in NetworkEvent e, ChannelLimits limits)
        {
            HttpEvents++;
            if (string.IsNullOrWhiteSpace(e.UserAgent))
                MissingUserAgent++;
            else if ((UserAgents ??= new(StringComparer.Ordinal)).TryGetValue(e.UserAgent, out var seen))
                UserAgents[e.UserAgent] = seen + 1;
            else if (UserAgents.Count < limits.MaxDistinct)
                UserAgents[e.UserAgent] = 1;
            if (e.UserAgent is not null && UserAgents is not null && UserAgents.ContainsKey(e.UserAgent)
                && (!(UserAgentLastTicks ??= new(StringComparer.Ordinal)).TryGetValue(e.UserAgent, out var last) || e.TimestampTicks > last))
                UserAgentLastTicks[e.UserAgent] = e.TimestampTicks;
        }

        public void AddJa3(string ja3, ChannelLimits limits)
        {
            Ja3Handshakes++;
            if ((Ja3 ??= new(StringComparer.Ordinal)).Contains(ja3))
                Ja3Repeats++;
            else if (Ja3.Count < limits.MaxDistinct)
                Ja3.Add(ja3);
        }

        public void AddJa3s(string ja3s, ChannelLimits limits)
        {
            if ((Ja3s ??= new(StringComparer.Ordinal)).Count < limits.MaxDistinct)
                Ja3s.Add(ja3s);
        }
    }
}

/// <summary>
/// An event with no HTTP or TLS details as a reader holds it (see <see cref="ChannelSeries.AddPlain"/>):
/// spans valid only during the call.
/// </summary>
internal readonly ref struct PlainEvent
{
    public required long Ticks { get; init; }
    public required long? SentBytes { get; init; }
    public required long? ReceivedBytes { get; init; }
    public required ReadOnlySpan<char> RemoteIP { get; init; }

    /// <summary>The keyed hash of <see cref="RemoteIP"/>, as the grouping computes it for every event of the run.</summary>
    public required ulong RemoteIPHash { get; init; }
    public required int RemotePort { get; init; }

    /// <summary>Empty when none was logged.</summary>
    public required ReadOnlySpan<char> CommandLine { get; init; }
    public required Provenance Provenance { get; init; }
}

/// <summary>Caps that keep a channel's memory bounded whatever the input holds.</summary>
/// <param name="MaxConnections">Connections kept per channel for timing (RITA calls more than 86,400 a day a strobe).</param>
/// <param name="MaxDistinct">Distinct addresses, ports, user agents and fingerprints kept per channel.</param>
/// <param name="MaxCommandLines">Distinct command lines kept per channel.</param>
public sealed record ChannelLimits(int MaxConnections = 86_400, int MaxDistinct = 64, int MaxCommandLines = 8);
