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
/// Memory: 40 bytes per connection in the window, up to <see cref="ChannelLimits.MaxConnections"/>
/// per channel (beyond it the channel is a strobe: counted, not timed), plus small capped sets.
/// </remarks>
public sealed class ChannelSeries
{
    private ChannelConnection[] _connections = new ChannelConnection[4];
    private static readonly Dictionary<string, int> NoUserAgents = [];
    private static readonly Dictionary<string, long> NoTicks = [];
    private static readonly HashSet<string> NoStrings = [];

    // Nearly every channel uses one address and one port: those are held inline, and a set is
    // made only for a second one (a CDN, a fallback port). Fewer objects per channel is less for
    // the GC to walk; with hundreds of thousands of channels live, that walk was a fifth of a run.
    private string? _remoteIP;
    private HashSet<string>? _remoteIPs;
    private int _remotePort = -1;
    private HashSet<int>? _remotePorts;

    // Most channels carry no HTTP or TLS details: these are made on first use, so a fleet's
    // hundreds of thousands of channels do not each hold five empty collections for the GC to walk.
    private Dictionary<string, int>? _userAgents;
    private Dictionary<string, long>? _userAgentLastTicks;
    private HashSet<string>? _ja3;
    private HashSet<string>? _ja3s;
    private HashSet<string>? _commandLines;


    public int Count { get; private set; }

    /// <summary>True when the next connection would grow the storage: the moment to drop what fell out of the window.</summary>
    internal bool IsFull => Count == _connections.Length;

    public ReadOnlySpan<ChannelConnection> Connections => _connections.AsSpan(0, Count);

    /// <summary>Connections beyond the per-channel limit: counted, not kept.</summary>
    public long Overflow { get; private set; }

    public long Failed { get; private set; }

    /// <summary>Extra connections Defender's aggregated reports stand for beyond the one event each.</summary>
    public long AggregatedExtra { get; private set; }

    /// <summary>Events carrying HTTP details (a method or a user agent).</summary>
    public long HttpEvents { get; private set; }

    /// <summary>HTTP events with an empty or missing user agent.</summary>
    public long MissingUserAgent { get; private set; }

    public long WebSocketUpgrades { get; private set; }

    /// <summary>Events carrying a JA3 (TLS handshakes the sensor fingerprinted): how often <see cref="Ja3"/> was seen, not how many values.</summary>
    public long Ja3Handshakes { get; private set; }

    /// <summary>Sum of connection durations where the source logs them (Zeek duration).</summary>
    public long DurationTicksTotal { get; private set; }

    public long LongestDurationTicks { get; private set; }

    /// <summary>Connections the source logged only while still open (Zeek conn_long/open_conn): their durations run up to that last record.</summary>
    public long StillOpen { get; private set; }

    public IReadOnlyDictionary<string, int> UserAgents => _userAgents ?? NoUserAgents;

    /// <summary>
    /// When each of <see cref="UserAgents"/> was last sent: the window is known only at the end of
    /// a read, and a user agent whose every request fell out of it must not count.
    /// </summary>
    public IReadOnlyDictionary<string, long> UserAgentLastTicks => _userAgentLastTicks ?? NoTicks;

    public IReadOnlyCollection<string> RemoteIPs => _remoteIPs ?? (_remoteIP is null ? [] : [_remoteIP]);

    public IReadOnlyCollection<int> RemotePorts => _remotePorts ?? (_remotePort < 0 ? [] : [_remotePort]);

    public IReadOnlySet<string> Ja3 => _ja3 ?? NoStrings;

    public IReadOnlySet<string> Ja3s => _ja3s ?? NoStrings;

    public IReadOnlySet<string> CommandLines => _commandLines ?? NoStrings;

    /// <summary>The first event seen for the channel: evidence a finding points back to.</summary>
    public Provenance? FirstEvidence { get; private set; }

    public long FirstTicks { get; private set; } = long.MaxValue;

    public long LastTicks { get; private set; } = long.MinValue;

    internal void AddConnection(in NetworkEvent e, ChannelLimits limits)
    {
        Describe(e, limits);
        if (e.AggregatedCount is > 1)
            AggregatedExtra += e.AggregatedCount.Value - 1;
        if (e.StillOpen)
            StillOpen++;
        if (e.DurationTicks is { } duration and > 0)
        {
            DurationTicksTotal += duration;
            LongestDurationTicks = Math.Max(LongestDurationTicks, duration);
        }
        if (Count >= limits.MaxConnections)
        {
            Overflow++;
            return;
        }
        if (Count == _connections.Length)
            Array.Resize(ref _connections, Math.Min(_connections.Length * 2, Math.Max(limits.MaxConnections, 4)));
        _connections[Count++] = new ChannelConnection(
            e.TimestampTicks, e.SentBytes ?? -1, e.ReceivedBytes ?? -1, e.SentIpBytes ?? -1, e.DurationTicks ?? -1);
    }

    internal void AddFailure(in NetworkEvent e, ChannelLimits limits)
    {
        Failed += e.AggregatedCount ?? 1;
        Describe(e, limits);
    }

    internal void AddInspection(in NetworkEvent e, ChannelLimits limits) => Describe(e, limits);

    private void Describe(in NetworkEvent e, ChannelLimits limits)
    {
        if (e.TimestampTicks < FirstTicks)
        {
            FirstTicks = e.TimestampTicks;
            FirstEvidence = e.Provenance;
        }
        LastTicks = Math.Max(LastTicks, e.TimestampTicks);
        AddRemoteIP(e.RemoteIP, limits);
        AddRemotePort(e.RemotePort, limits);
        if (e.HttpMethod is not null || e.UserAgent is not null)
        {
            HttpEvents++;
            if (string.IsNullOrWhiteSpace(e.UserAgent))
                MissingUserAgent++;
            else if ((_userAgents ??= new(StringComparer.Ordinal)).TryGetValue(e.UserAgent, out var seen))
                _userAgents[e.UserAgent] = seen + 1;
            else if (_userAgents.Count < limits.MaxDistinct)
                _userAgents[e.UserAgent] = 1;
            if (e.UserAgent is not null && _userAgents is not null && _userAgents.ContainsKey(e.UserAgent)
                && (!(_userAgentLastTicks ??= new(StringComparer.Ordinal)).TryGetValue(e.UserAgent, out var last) || e.TimestampTicks > last))
                _userAgentLastTicks[e.UserAgent] = e.TimestampTicks;
        }
        if (e.WebSocketUpgrade == true)
            WebSocketUpgrades++;
        if (!string.IsNullOrEmpty(e.Ja3))
        {
            Ja3Handshakes++;
            if ((_ja3 ??= new(StringComparer.Ordinal)).Count < limits.MaxDistinct)
                _ja3.Add(e.Ja3);
        }
        if (!string.IsNullOrEmpty(e.Ja3s) && (_ja3s ??= new(StringComparer.Ordinal)).Count < limits.MaxDistinct)
            _ja3s.Add(e.Ja3s);
        if (!string.IsNullOrEmpty(e.ProcessCommandLine) && (_commandLines ??= new(StringComparer.Ordinal)).Count < limits.MaxCommandLines)
            _commandLines.Add(e.ProcessCommandLine);
    }

    private void AddRemoteIP(string ip, ChannelLimits limits)
    {
        // Interned by the readers: a reference check settles the common case without hashing.
        if (ip.Length == 0 || ReferenceEquals(ip, _remoteIP))
            return;
        if (_remoteIP is null)
        {
            _remoteIP = ip;
            return;
        }
        if (_remoteIPs is null)
        {
            if (string.Equals(ip, _remoteIP, StringComparison.Ordinal))
                return;
            _remoteIPs = new(StringComparer.Ordinal) { _remoteIP };
        }
        if (_remoteIPs.Count < limits.MaxDistinct)
            _remoteIPs.Add(ip);
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
        _remotePorts ??= [_remotePort];
        if (_remotePorts.Count < limits.MaxDistinct)
            _remotePorts.Add(port);
    }

    /// <summary>Drops connections at or before <paramref name="cutoffTicks"/> (out of the window).</summary>
    internal int DropThrough(long cutoffTicks)
    {
        var kept = 0;
        for (var i = 0; i < Count; i++)
        {
            if (_connections[i].Ticks > cutoffTicks)
                _connections[kept++] = _connections[i];
        }
        var dropped = Count - kept;
        Count = kept;
        return dropped;
    }

    /// <summary>Keeps connections in (<paramref name="afterTicks"/>, <paramref name="throughTicks"/>]; returns how many were dropped.</summary>
    internal int KeepWindow(long afterTicks, long throughTicks)
    {
        var kept = 0;
        for (var i = 0; i < Count; i++)
        {
            var t = _connections[i].Ticks;
            if (t > afterTicks && t <= throughTicks)
                _connections[kept++] = _connections[i];
        }
        var dropped = Count - kept;
        Count = kept;
        return dropped;
    }

    internal void SortByTime() => _connections.AsSpan(0, Count).Sort(static (a, b) => a.Ticks.CompareTo(b.Ticks));
}

/// <summary>Caps that keep a channel's memory bounded whatever the input holds.</summary>
/// <param name="MaxConnections">Connections kept per channel for timing (RITA calls more than 86,400 a day a strobe).</param>
/// <param name="MaxDistinct">Distinct addresses, ports, user agents and fingerprints kept per channel.</param>
/// <param name="MaxCommandLines">Distinct command lines kept per channel.</param>
public sealed record ChannelLimits(int MaxConnections = 86_400, int MaxDistinct = 64, int MaxCommandLines = 8);
