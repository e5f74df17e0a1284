using System.Buffers;
using Cadence.Telemetry;

namespace Cadence.Channels;

/// <summary>What an event is to the channel analytics.</summary>
public enum ChannelRole
{
    /// <summary>An outbound connection to a web destination: timed.</summary>
    Connection,

    /// <summary>An outbound attempt that failed (refused, unanswered, blocked): counted, not timed.</summary>
    Failed,

    /// <summary>
    /// A record that describes a connection already counted (Defender's HttpConnectionInspected and
    /// SslConnectionInspected): its user agent, fingerprints and upgrade join the channel, its time does not.
    /// </summary>
    Inspection,

    /// <summary>Inbound or listening: not the device reaching out.</summary>
    NotOutbound,

    /// <summary>To a private, loopback or other internal address with no name to say where it really goes.</summary>
    InternalDestination,

    /// <summary>Neither a web port nor any HTTP or TLS evidence.</summary>
    NotWeb,
}

/// <summary>
/// Which events the channel analytics look at and under which destination. A channel's
/// destination is the name the device asked for (HTTP CONNECT target, Host, TLS server name, or
/// the URL's host) when the telemetry has one, else the remote address: a C2 behind a CDN that
/// rotates addresses stays one channel, and traffic through a proxy is seen for where it went.
/// </summary>
public sealed class ChannelScope(IReadOnlySet<int> webPorts)
{
    public IReadOnlySet<int> WebPorts { get; } = webPorts;

    public ChannelRole RoleOf(in NetworkEvent e) => RoleOf(e, KindOf(e.ActionType));

    /// <summary>As <see cref="RoleOf(in NetworkEvent)"/>, with the action already classified (see <see cref="ActionKinds"/>).</summary>
    public ChannelRole RoleOf(in NetworkEvent e, ActionKind kind)
    {
        if (kind == ActionKind.Inspection)
            return ChannelRole.Inspection;
        if (kind == ActionKind.Inbound)
            return ChannelRole.NotOutbound;

        var named = !string.IsNullOrEmpty(e.DestinationHost) || !string.IsNullOrEmpty(e.RemoteUrl);
        if (!named && !IsExternal(e.RemoteIPType))
            return ChannelRole.InternalDestination;
        var webEvidence = e.HttpMethod is not null || e.UserAgent is not null || e.Ja3 is not null || !string.IsNullOrEmpty(e.DestinationHost);
        if (!webEvidence && !WebPorts.Contains(e.RemotePort))
            return ChannelRole.NotWeb;
        return kind == ActionKind.Failure ? ChannelRole.Failed : ChannelRole.Connection;
    }

    /// <summary>
    /// As <see cref="RoleOf(in NetworkEvent, ActionKind)"/> for an event with no HTTP or TLS
    /// details (no host, method, user agent or fingerprint), from its fields as a reader holds them.
    /// </summary>
    /// <param name="named">True when the event has a non-empty RemoteUrl.</param>
    public ChannelRole RoleOfPlain(ActionKind kind, bool named, ReadOnlySpan<char> remoteIPType, int remotePort)
    {
        if (kind == ActionKind.Inspection)
            return ChannelRole.Inspection;
        if (kind == ActionKind.Inbound)
            return ChannelRole.NotOutbound;
        if (!named && !IsExternal(remoteIPType))
            return ChannelRole.InternalDestination;
        if (!WebPorts.Contains(remotePort))
            return ChannelRole.NotWeb;
        return kind == ActionKind.Failure ? ChannelRole.Failed : ChannelRole.Connection;
    }

    /// <summary>What an action verb says about the connection, whatever the destination.</summary>
    public static ActionKind KindOf(string action) => KindOf(action.AsSpan());

    /// <inheritdoc cref="KindOf(string)"/>
    public static ActionKind KindOf(ReadOnlySpan<char> action)
    {
        if (action.EndsWith("Inspected", StringComparison.Ordinal))
            return ActionKind.Inspection;
        if (action is "InboundConnectionAccepted" or "ListeningConnectionCreated")
            return ActionKind.Inbound;
        return IsFailure(action) ? ActionKind.Failure : ActionKind.Attempt;
    }

    /// <summary>Public, or unclassified (a proxy log that names no server address): not known to stay inside.</summary>
    private static bool IsExternal(ReadOnlySpan<char> remoteIPType) =>
        remoteIPType.Length == 0 || remoteIPType.Equals("Public", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Defender's failure verbs (ConnectionFailed, ConnectionFailedAggregatedReport) and the
    /// verdicts of firewalls and proxies that kept a device's own word (deny, drop, reset...).
    /// </summary>
    private static bool IsFailure(ReadOnlySpan<char> action) =>
        action.StartsWith("ConnectionFailed", StringComparison.Ordinal)
        || action.Contains("deny", StringComparison.OrdinalIgnoreCase)
        || action.Contains("denied", StringComparison.OrdinalIgnoreCase)
        || action.Contains("drop", StringComparison.OrdinalIgnoreCase)
        || action.Contains("block", StringComparison.OrdinalIgnoreCase)
        || action.Contains("reject", StringComparison.OrdinalIgnoreCase);

    /// <summary>The destination a channel is keyed by, in lower case: host when named, else the remote address.</summary>
    public static string DestinationOf(in NetworkEvent e, DestinationNames names)
    {
        if (!string.IsNullOrEmpty(e.DestinationHost))
            return names.Normalize(e.DestinationHost, isUrl: false);
        if (!string.IsNullOrEmpty(e.RemoteUrl))
        {
            var host = names.Normalize(e.RemoteUrl, isUrl: true);
            if (host.Length > 0)
                return host;
        }
        return e.RemoteIP;
    }
}

/// <summary>What an action verb says: <see cref="ChannelScope.KindOf"/>.</summary>
public enum ActionKind
{
    Attempt,
    Failure,
    Inspection,
    Inbound,
}

/// <summary>
/// Remembers <see cref="ChannelScope.KindOf"/> per action string: readers intern the handful of
/// verbs a source uses, so the case-insensitive scans run once per verb, not once per event.
/// One instance per thread.
/// </summary>
public sealed class ActionKinds
{
    private const int MaxRemembered = 4096;
    private readonly Dictionary<string, ActionKind> _kinds = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);

    // Verbs as characters (rows a reader hands over unparsed), found by comparing them: a
    // source uses a handful, so a short list beats hashing.
    private const int MaxRememberedText = 16;
    private readonly List<(string Action, ActionKind Kind)> _byText = [];

    public ActionKind Of(string action)
    {
        if (_kinds.TryGetValue(action, out var kind))
            return kind;
        kind = ChannelScope.KindOf(action);
        if (_kinds.Count < MaxRemembered)
            _kinds[action] = kind;
        return kind;
    }

    public ActionKind Of(ReadOnlySpan<char> action)
    {
        foreach (var (known, kind) in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_byText))
        {
            if (action.SequenceEqual(known))
                return kind;
        }
        var found = ChannelScope.KindOf(action);
        if (_byText.Count < MaxRememberedText)
            _byText.Add((action.ToString(), found));
        return found;
    }
}

/// <summary>
/// Turns host names and URLs into lower-case host names, remembering each answer: readers
/// intern their strings, so a fleet's millions of events hold a few thousand distinct URLs and
/// the parse is paid once per distinct value. One instance per thread.
/// </summary>
public sealed class DestinationNames
{
    private const int MaxRemembered = 1 << 18;
    private readonly Dictionary<string, string> _hosts = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);

    // What a bare lower-case host name is made of: such a value is its own host, url or not.
    private static readonly SearchValues<char> BareHostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789.-_");

    // URLs given as characters, for the rows a reader hands over unparsed: looked up by their text.
    private readonly Dictionary<string, string> _hostsByText = new(StringComparer.Ordinal);

    public string Normalize(string value, bool isUrl)
    {
        // Most names come as bare lower-case hosts (Defender's RemoteUrl usually is one): nothing
        // to parse, and no lookup in a table of every distinct value (a cache miss per event).
        if (IsBareHost(value))
            return value;
        if (_hosts.TryGetValue(value, out var host))
            return host;
        host = isUrl ? UrlHost(value) : StripPort(value).ToLowerInvariant();
        // An un-interned source could fill this with one entry per event: stop remembering then.
        if (_hosts.Count < MaxRemembered)
            _hosts[value] = host;
        return host;
    }

    /// <summary>As <see cref="Normalize"/> for a URL given as characters: the characters themselves when they are a bare lower-case host.</summary>
    public ReadOnlySpan<char> UrlHost(ReadOnlySpan<char> url)
    {
        if (IsBareHost(url))
            return url;
        var lookup = _hostsByText.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(url, out var host))
            return host;
        host = UrlHost(url.ToString());
        if (_hostsByText.Count < MaxRemembered)
            lookup[url] = host;
        return host;
    }

    private static bool IsBareHost(ReadOnlySpan<char> value) =>
        value.Length > 0 && value[^1] != '.' && !value.ContainsAnyExcept(BareHostChars);

    /// <summary>The host of a URL as Defender writes RemoteUrl: a bare name, host:port, or scheme://host[:port]/path.</summary>
    internal static string UrlHost(string url)
    {
        var span = url.AsSpan().Trim();
        var scheme = span.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            span = span[(scheme + 3)..];
        var end = span.IndexOfAny('/', '?', '#');
        if (end >= 0)
            span = span[..end];
        var at = span.LastIndexOf('@');
        if (at >= 0)
            span = span[(at + 1)..];
        return StripPort(span.ToString()).TrimEnd('.').ToLowerInvariant();
    }

    private static string StripPort(string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? hostPort[1..close] : hostPort;
        }
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && hostPort.IndexOf(':', StringComparison.Ordinal) == colon ? hostPort[..colon] : hostPort;
    }
}
