using System.Globalization;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.CommonSecurityLog;

/// <summary>One CommonSecurityLog record, whichever file format carried it: a CSV row, a JSON object or a CEF line.</summary>
internal interface ICommonSecurityLogRecord
{
    /// <summary>The column's value, unescaped; empty when absent.</summary>
    ReadOnlySpan<char> this[CommonSecurityLogColumn column] { get; }

    /// <summary>The column as this format names it, for problem details (DestinationPort, or CEF's dpt).</summary>
    string NameOf(CommonSecurityLogColumn column);

    bool TryReadTimestamp(out long utcTicks, out string problem);
}

/// <summary>Reasons particular to this source, worded once so counts group cleanly.</summary>
internal static class CommonSecurityLogReasons
{
    public const string NotAConnection = "event without addresses (not a connection)";
    public const string NoSourceAddress = "connection without a source address";
    public const string BadAddress = "unparsable address";
    public const string NotCef = "not a CEF line";
    public const string BrokenCefHeader = "broken CEF header";
    public const string BrokenCefExtension = "broken CEF extension";
}

/// <summary>
/// Turns one CommonSecurityLog record into a normalized event, a skip (an event of a network
/// device that is not a connection) or a reject (malformed). The source address is the device
/// Cadence groups by: a firewall sees addresses, not host names or processes.
/// </summary>
internal sealed class CommonSecurityLogMapper
{
    // StringPool's per-column "last value" slots; above the ones Defender's columns use, so the
    // two readers do not evict each other's runs on a shared thread.
    private const int SlotBase = 32;

    // Addresses repeat row after row; parsing each once keeps IPAddress.TryParse off the row loop.
    // Bounded because every address in a scan of the internet is distinct.
    private const int MaxCachedAddresses = 1 << 16;

    private readonly Dictionary<string, AddressClass?> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AddressClass?>.AlternateLookup<ReadOnlySpan<char>> _addressLookup;
    private readonly StringPool _pool;
    private readonly InputFile _input;

    public CommonSecurityLogMapper(StringPool pool, InputFile input)
    {
        _pool = pool;
        _input = input;
        _addressLookup = _addresses.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public RowOutcome Map<TRecord>(TRecord record, long line) where TRecord : ICommonSecurityLogRecord, allows ref struct
    {
        var source = record[CommonSecurityLogColumn.SourceIP];
        var destination = record[CommonSecurityLogColumn.DestinationIP];
        var destinationPort = record[CommonSecurityLogColumn.DestinationPort];
        if (destination.IsEmpty && destinationPort.IsEmpty)
        {
            return source.IsEmpty
                ? RowOutcome.Skipped(line, CommonSecurityLogReasons.NotAConnection, $"no {record.NameOf(CommonSecurityLogColumn.SourceIP)} and no {record.NameOf(CommonSecurityLogColumn.DestinationIP)}")
                : RowOutcome.Skipped(line, RowReasons.NoRemoteEndpoint, $"{record.NameOf(CommonSecurityLogColumn.SourceIP)} '{Clip(source)}' with no destination");
        }
        if (source.IsEmpty)
            return RowOutcome.Skipped(line, CommonSecurityLogReasons.NoSourceAddress, $"{record.NameOf(CommonSecurityLogColumn.DestinationIP)} '{Clip(destination)}'");

        if (!record.TryReadTimestamp(out var ticks, out var timeProblem))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, timeProblem);

        if (Classify(source) is null)
            return RowOutcome.Rejected(line, CommonSecurityLogReasons.BadAddress, $"{record.NameOf(CommonSecurityLogColumn.SourceIP)} '{Clip(source)}'");
        var remoteClass = AddressClass.Unknown;
        if (!destination.IsEmpty)
        {
            if (Classify(destination) is not { } known)
                return RowOutcome.Rejected(line, CommonSecurityLogReasons.BadAddress, $"{record.NameOf(CommonSecurityLogColumn.DestinationIP)} '{Clip(destination)}'");
            remoteClass = known;
        }

        var remotePort = -1;
        if (!destinationPort.IsEmpty && !TryParsePort(destinationPort, out remotePort))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"{record.NameOf(CommonSecurityLogColumn.DestinationPort)} '{Clip(destinationPort)}'");
        int? localPort = null;
        var sourcePort = record[CommonSecurityLogColumn.SourcePort];
        if (!sourcePort.IsEmpty)
        {
            if (!TryParsePort(sourcePort, out var parsed))
                return RowOutcome.Rejected(line, RowReasons.BadPort, $"{record.NameOf(CommonSecurityLogColumn.SourcePort)} '{Clip(sourcePort)}'");
            localPort = parsed;
        }

        if (!TryParseBytes(record, CommonSecurityLogColumn.SentBytes, out var sent, out var bytesProblem)
            || !TryParseBytes(record, CommonSecurityLogColumn.ReceivedBytes, out var received, out bytesProblem))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, bytesProblem);

        var url = record[CommonSecurityLogColumn.RequestURL];
        var host = HostOf(url);
        var action = record[CommonSecurityLogColumn.DeviceAction];
        var device = _pool.Intern(source);
        return RowOutcome.Read(new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = device,
            ActionType = action.IsWhiteSpace() ? DeviceActions.NoAction : DeviceActions.Translate(action) ?? Intern(action, CommonSecurityLogColumn.DeviceAction),
            RemoteIP = _pool.Intern(destination),
            RemotePort = remotePort,
            RemoteIPType = AddressClassifier.ToRemoteIPType(remoteClass),
            RemoteUrl = url.IsEmpty ? null : _pool.Intern(url),
            DestinationHost = host.IsEmpty ? null : _pool.Intern(host),
            // A network device does not see processes; a few (proxies with an endpoint agent) log one.
            InitiatingProcessFileName = Intern(FileNameOf(record[CommonSecurityLogColumn.SourceProcessName]), CommonSecurityLogColumn.SourceProcessName),
            LocalIP = device,
            LocalPort = localPort,
            Protocol = Optional(record[CommonSecurityLogColumn.Protocol], CommonSecurityLogColumn.Protocol),
            SentBytes = sent,
            ReceivedBytes = received,
            HttpMethod = Optional(record[CommonSecurityLogColumn.RequestMethod], CommonSecurityLogColumn.RequestMethod),
            UserAgent = Optional(record[CommonSecurityLogColumn.RequestClientApplication], CommonSecurityLogColumn.RequestClientApplication),
            Observer = Observer(record[CommonSecurityLogColumn.DeviceVendor], record[CommonSecurityLogColumn.DeviceProduct]),
            Provenance = new Provenance(_input, line),
        });
    }

    /// <summary>The class of an address, or null when the text is not an address.</summary>
    private AddressClass? Classify(ReadOnlySpan<char> address)
    {
        if (_addressLookup.TryGetValue(address, out var known))
            return known;
        AddressClass? parsed = System.Net.IPAddress.TryParse(address, out var ip) ? AddressClassifier.Classify(ip) : null;
        if (_addresses.Count >= MaxCachedAddresses)
            _addresses.Clear();
        _addressLookup[address] = parsed;
        return parsed;
    }

    private string Intern(ReadOnlySpan<char> value, CommonSecurityLogColumn column) => _pool.Intern(value, SlotBase + (int)column);

    private string? Optional(ReadOnlySpan<char> value, CommonSecurityLogColumn column) => value.IsEmpty ? null : Intern(value, column);

    /// <summary>"Palo Alto Networks PAN-OS": who saw the connection, the endpoint being someone else.</summary>
    private string? Observer(ReadOnlySpan<char> vendor, ReadOnlySpan<char> product)
    {
        vendor = vendor.Trim();
        product = product.Trim();
        if (vendor.IsEmpty)
            return product.IsEmpty ? null : Intern(product, CommonSecurityLogColumn.DeviceProduct);
        if (product.IsEmpty)
            return Intern(vendor, CommonSecurityLogColumn.DeviceVendor);
        var length = vendor.Length + 1 + product.Length;
        Span<char> joined = length <= 256 ? stackalloc char[length] : new char[length];
        vendor.CopyTo(joined);
        joined[vendor.Length] = ' ';
        product.CopyTo(joined[(vendor.Length + 1)..]);
        return Intern(joined, CommonSecurityLogColumn.DeviceVendor);
    }

    private static bool TryParseBytes<TRecord>(TRecord record, CommonSecurityLogColumn column, out long? value, out string problem)
        where TRecord : ICommonSecurityLogRecord, allows ref struct
    {
        value = null;
        problem = string.Empty;
        var text = record[column];
        if (text.IsEmpty)
            return true;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }
        problem = $"{record.NameOf(column)} '{Clip(text)}'";
        return false;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    /// <summary>The process's file name when the device logs a path (C:\...\chrome.exe), as Defender's InitiatingProcessFileName has it.</summary>
    internal static ReadOnlySpan<char> FileNameOf(ReadOnlySpan<char> process)
    {
        process = process.Trim();
        var separator = process.LastIndexOfAny('\\', '/');
        return separator >= 0 ? process[(separator + 1)..] : process;
    }

    /// <summary>
    /// The host a URL names: "https://x.example:8443/a" and PAN-OS's scheme-less "x.example/a"
    /// both give x.example; an IPv6 literal loses its brackets.
    /// </summary>
    internal static ReadOnlySpan<char> HostOf(ReadOnlySpan<char> url)
    {
        var rest = url.Trim();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        // A "://" after the first '/' is inside the path or query of a scheme-less URL.
        var firstSlash = rest.IndexOf('/');
        if (scheme > 0 && (firstSlash < 0 || scheme < firstSlash))
            rest = rest[(scheme + 3)..];
        var end = rest.IndexOfAny('/', '?', '#');
        if (end >= 0)
            rest = rest[..end];
        var at = rest.LastIndexOf('@');
        if (at >= 0)
            rest = rest[(at + 1)..];
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            return close > 0 ? rest[1..close] : rest;
        }
        var colon = rest.IndexOf(':');
        return colon >= 0 && rest.LastIndexOf(':') == colon ? rest[..colon] : rest;
    }

    // Problem details echo attacker-controlled text; keep them short.
    internal static string Clip(ReadOnlySpan<char> value) => value.Length <= 64 ? value.ToString() : string.Concat(value[..61], "...");
}
