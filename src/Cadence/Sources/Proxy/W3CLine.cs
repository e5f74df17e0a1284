using System.Globalization;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Proxy;

/// <summary>
/// Where each field Cadence reads sits in the current #Fields directive; -1 when absent. Names
/// are matched ignoring case (IIS writes cs(User-Agent), others cs(user-agent)).
/// </summary>
internal sealed class W3CColumns
{
    public W3CColumns(ReadOnlySpan<char> fieldList)
    {
        var names = new List<string>();
        var rest = fieldList;
        while (ProxyText.NextToken(ref rest) is { IsEmpty: false } name)
            names.Add(name.ToString());
        Count = names.Count;
        int Find(params string[] aliases)
        {
            foreach (var alias in aliases)
            {
                var at = names.FindIndex(n => string.Equals(n, alias, StringComparison.OrdinalIgnoreCase));
                if (at >= 0)
                    return at;
            }
            return -1;
        }

        Date = Find("date");
        Time = Find("time");
        ClientIp = Find("c-ip");
        ClientPort = Find("c-port");
        // s-operation is Forefront TMG's name for the method, c-agent its name for the user agent,
        // cs-uri-path Blue Coat's for the stem.
        Method = Find("cs-method", "s-operation");
        Uri = Find("cs-uri");
        UriStem = Find("cs-uri-stem", "cs-uri-path");
        UriQuery = Find("cs-uri-query");
        UriScheme = Find("cs-uri-scheme");
        UriPort = Find("cs-uri-port");
        Host = Find("cs-host", "cs(Host)");
        RemoteHost = Find("r-host");
        UserAgent = Find("cs(User-Agent)", "c-agent");
        Status = Find("sc-status");
        TimeTaken = Find("time-taken");
        ClientToServerBytes = Find("cs-bytes");
        ServerToClientBytes = Find("sc-bytes");
        Upgrade = Find("x-cs-upgrade", "cs(Upgrade)");
        Action = Find("s-action", "action");
        Exception = Find("x-exception-id");

        // The remote end is the server the request went to. A forward proxy logs it as r-ip/r-port
        // (TMG) or s-supplier-ip (Blue Coat), and then s-ip is the proxy itself; a web server
        // (IIS) logs only s-ip/s-port, which is then the server. The pair is chosen once per
        // #Fields so every line of a block means the same thing by RemoteIP.
        var remoteIp = Find("r-ip");
        var remotePort = Find("r-port");
        var supplier = Find("s-supplier-ip");
        if (remoteIp >= 0 || remotePort >= 0)
            (ServerAddress, ServerPort) = (remoteIp, remotePort);
        else if (supplier >= 0)
            (ServerAddress, ServerPort) = (supplier, -1);
        else
            (ServerAddress, ServerPort) = (Find("s-ip"), Find("s-port"));
    }

    public int Count { get; }
    public int Date { get; }
    public int Time { get; }
    public int ClientIp { get; }
    public int ClientPort { get; }
    public int Method { get; }
    public int Uri { get; }
    public int UriStem { get; }
    public int UriQuery { get; }
    public int UriScheme { get; }
    public int UriPort { get; }
    public int Host { get; }
    public int RemoteHost { get; }
    public int UserAgent { get; }
    public int Status { get; }
    public int TimeTaken { get; }
    public int ClientToServerBytes { get; }
    public int ServerToClientBytes { get; }
    public int Upgrade { get; }
    public int Action { get; }
    public int Exception { get; }
    public int ServerAddress { get; }
    public int ServerPort { get; }

    /// <summary>The fields a line cannot do without, when the directive lacks any.</summary>
    public string? Missing(bool haveDateDirective)
    {
        if (Time >= 0 && ClientIp >= 0 && (Date >= 0 || haveDateDirective))
            return null;
        var missing = new List<string>();
        if (Date < 0 && !haveDateDirective) missing.Add("date");
        if (Time < 0) missing.Add("time");
        if (ClientIp < 0) missing.Add("c-ip");
        return string.Join(", ", missing);
    }

    public TelemetryFields Provides
    {
        get
        {
            var provides = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.LocalIP | TelemetryFields.ActionType;
            void If(bool present, TelemetryFields fields)
            {
                if (present)
                    provides |= fields;
            }
            If(ClientPort >= 0, TelemetryFields.LocalPort);
            If(ServerAddress >= 0, TelemetryFields.RemoteIP | TelemetryFields.RemoteIPType);
            If(ServerPort >= 0 || UriPort >= 0 || Uri >= 0 || UriScheme >= 0, TelemetryFields.RemotePort);
            If(Uri >= 0 || UriStem >= 0, TelemetryFields.RemoteUrl);
            If(Uri >= 0 || Host >= 0 || RemoteHost >= 0, TelemetryFields.DestinationHost);
            If(Method >= 0, TelemetryFields.HttpMethod);
            If(UserAgent >= 0, TelemetryFields.UserAgent);
            If(Status >= 0, TelemetryFields.StatusCode);
            If(TimeTaken >= 0, TelemetryFields.Duration);
            If(ClientToServerBytes >= 0, TelemetryFields.SentBytes);
            If(ServerToClientBytes >= 0, TelemetryFields.ReceivedBytes);
            If(Upgrade >= 0 || Status >= 0, TelemetryFields.WebSocketUpgrade);
            return provides;
        }
    }
}

/// <summary>
/// One W3C data line split into values, reused line after line. Values are separated by spaces
/// (IIS, Blue Coat; a quoted value may hold spaces, a doubled quote inside it stands for one) or,
/// when the line holds a tab, by tabs (Forefront TMG, whose values then hold spaces as they are).
/// </summary>
internal sealed class W3CCells
{
    private Cell[] _cells = new Cell[32];
    private string _line = string.Empty;

    public int Count { get; private set; }

    public bool TabSeparated { get; private set; }

    /// <returns>False when a quoted value is not closed (a truncated line).</returns>
    public bool Split(string line)
    {
        _line = line;
        Count = 0;
        var span = line.AsSpan();
        TabSeparated = span.Contains('\t');
        if (TabSeparated)
        {
            var start = 0;
            while (true)
            {
                var tab = span[start..].IndexOf('\t');
                var end = tab < 0 ? span.Length : start + tab;
                Add(new Cell(start, end - start, Quoted: false));
                if (tab < 0)
                    return true;
                start = end + 1;
            }
        }

        var i = 0;
        while (true)
        {
            while (i < span.Length && span[i] == ' ')
                i++;
            if (i == span.Length)
                return true;
            if (span[i] == '"')
            {
                var j = i + 1;
                while (true)
                {
                    var quote = span[j..].IndexOf('"');
                    if (quote < 0)
                        return false;
                    quote += j;
                    if (quote + 1 < span.Length && span[quote + 1] == '"')
                    {
                        j = quote + 2;
                        continue;
                    }
                    Add(new Cell(i + 1, quote - i - 1, Quoted: true));
                    i = quote + 1;
                    break;
                }
                continue;
            }
            var space = span[i..].IndexOf(' ');
            var stop = space < 0 ? span.Length : i + space;
            Add(new Cell(i, stop - i, Quoted: false));
            i = stop;
        }
    }

    /// <summary>The raw value (quotes removed, doubled quotes not yet undone); empty for an absent column.</summary>
    public ReadOnlySpan<char> this[int column] => column < 0 ? default : _line.AsSpan(_cells[column].Start, _cells[column].Length);

    public bool IsQuoted(int column) => column >= 0 && _cells[column].Quoted;

    private void Add(Cell cell)
    {
        if (Count == _cells.Length)
            Array.Resize(ref _cells, _cells.Length * 2);
        _cells[Count++] = cell;
    }

    private readonly record struct Cell(int Start, int Length, bool Quoted);
}

/// <summary>Turns one W3C extended log line, under the block's #Fields, into a normalized event.</summary>
internal sealed class W3CLineMapper(StringPool pool, InputFile input)
{
    // Longer dates and times are not W3C's yyyy-MM-dd and HH:mm:ss[.fff].
    private const int MaxTimestampLength = 64;

    private readonly AddressCache _addresses = new(pool);
    private readonly W3CCells _cells = new();
    private char[] _url = new char[256];

    /// <summary>
    /// Defender's words for what a W3C log says of a request, so the seed rule's ActionType
    /// filter means the same on a proxy or web server log as on an endpoint.
    /// </summary>
    internal static string ActionTypeOf(ReadOnlySpan<char> action, ReadOnlySpan<char> exception, int? status)
    {
        // The proxy's own verdict, where it logs one: Blue Coat's s-action (TCP_DENIED,
        // TCP_ERR_MISS), Forefront TMG's action (Denied Connection, Failed Connection Attempt).
        if (action.Contains("DENIED", StringComparison.OrdinalIgnoreCase) || action.Contains("_ERR", StringComparison.OrdinalIgnoreCase)
            || action.Contains("FAIL", StringComparison.OrdinalIgnoreCase))
            return SquidLineMapper.Failed;
        // Blue Coat names every refused or failed transaction in x-exception-id (policy_denied,
        // tcp_error, dns_unresolved_hostname, ...); "-" when there was none.
        if (!ProxyText.IsAbsent(exception))
            return SquidLineMapper.Failed;
        // Status 0 is no reply at all; TMG writes a Windows error in place of the status when it
        // never got one (10060 timed out, 10061 refused, 11001 host not found).
        if (status is 0 or >= 1000)
            return SquidLineMapper.Failed;
        // Anything else is a request the server, or the proxy on its behalf, answered, whatever
        // the status: a C2 server answers 404 as readily as 200.
        return SquidLineMapper.Success;
    }

    public RowOutcome Map(string text, long line, W3CColumns c, ReadOnlySpan<char> dateDirective, string? observer)
    {
        var cells = _cells;
        if (!cells.Split(text))
            return RowOutcome.Rejected(line, ProxyReasons.BadQuoting, $"'{ProxyText.Clip(text.AsSpan(text.LastIndexOf('"')))}'");
        if (cells.Count != c.Count)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{cells.Count} fields, #Fields has {c.Count}");

        var date = c.Date >= 0 ? cells[c.Date] : dateDirective;
        var time = cells[c.Time];
        if (!TryTimestamp(date, time, out var ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"date '{ProxyText.Clip(date)}', time '{ProxyText.Clip(time)}'");

        var client = cells[c.ClientIp];
        if (ProxyText.IsAbsent(client))
            return RowOutcome.Rejected(line, ProxyReasons.NoClient, "c-ip '-'");
        int? localPort = null;
        if (!ProxyText.IsAbsent(cells[c.ClientPort]))
        {
            if (!ProxyText.TryPort(cells[c.ClientPort], out var p))
                return RowOutcome.Rejected(line, RowReasons.BadPort, $"c-port '{ProxyText.Clip(cells[c.ClientPort])}'");
            localPort = p;
        }

        int? status = null;
        var statusText = cells[c.Status];
        if (!ProxyText.IsAbsent(statusText))
        {
            if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                return RowOutcome.Rejected(line, ProxyReasons.BadStatus, $"sc-status '{ProxyText.Clip(statusText)}'");
            status = s;
        }
        if (!ProxyText.TryMilliseconds(cells[c.TimeTaken], out var duration))
            return RowOutcome.Rejected(line, ProxyReasons.BadDuration, $"time-taken '{ProxyText.Clip(cells[c.TimeTaken])}'");
        if (!ProxyText.TryCount(cells[c.ClientToServerBytes], out var sent) || !ProxyText.TryCount(cells[c.ServerToClientBytes], out var received))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, $"cs-bytes '{ProxyText.Clip(cells[c.ClientToServerBytes])}', sc-bytes '{ProxyText.Clip(cells[c.ServerToClientBytes])}'");

        var method = cells[c.Method];
        var uri = cells[c.Uri];
        var stem = cells[c.UriStem];
        var isConnect = method.Equals("CONNECT", StringComparison.OrdinalIgnoreCase);
        // A CONNECT's target is host:port wherever the log puts it: cs-uri, or the stem when there is no cs-uri.
        var targetText = !ProxyText.IsAbsent(uri) ? uri : isConnect && !stem.StartsWith('/') ? stem : default;
        if (!HttpTarget.TryParse(isConnect ? "CONNECT" : method, targetText, out var targetHost, out var targetPort))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"URL '{ProxyText.Clip(targetText)}'");
        var hostHeader = cells[c.Host];
        ReadOnlySpan<char> headerHost = default;
        int? headerPort = null;
        if (!ProxyText.IsAbsent(hostHeader) && !HttpTarget.TrySplitAuthority(hostHeader, out headerHost, out headerPort))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"host '{ProxyText.Clip(hostHeader)}'");
        var remoteHost = cells[c.RemoteHost];
        var destination = isConnect && !targetHost.IsEmpty ? targetHost
            : !headerHost.IsEmpty ? headerHost
            : !ProxyText.IsAbsent(remoteHost) ? remoteHost
            : targetHost;

        if (!TryRemotePort(c, targetPort, headerPort, out var port, out var badPort))
            return RowOutcome.Rejected(line, RowReasons.BadPort, badPort);

        var serverText = cells[c.ServerAddress];
        var server = ProxyText.IsAbsent(serverText) ? default : _addresses.Lookup(serverText);
        var device = _addresses.Lookup(client);
        var upgrade = cells[c.Upgrade];
        return RowOutcome.Read(new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = device.Text,
            LocalIP = device.IsAddress ? device.Text : null,
            LocalPort = localPort,
            ActionType = ActionTypeOf(cells[c.Action], cells[c.Exception], status),
            RemoteIP = server.IsAddress ? server.Text : string.Empty,
            RemotePort = port,
            RemoteIPType = server.IsAddress ? server.RemoteIPType : string.Empty,
            RemoteUrl = Url(c, uri, stem, hostHeader),
            InitiatingProcessFileName = string.Empty,
            SentBytes = sent,
            ReceivedBytes = received,
            DurationTicks = duration,
            DestinationHost = destination.IsEmpty ? null : pool.Intern(destination),
            HttpMethod = ProxyText.IsAbsent(method) ? null : pool.Intern(method),
            UserAgent = UserAgent(c.UserAgent),
            // TMG's Windows error codes and a 0 stand where no HTTP status was received.
            StatusCode = status is >= 1 and <= 999 ? status : null,
            WebSocketUpgrade = WebSocketUpgrade(c.Upgrade >= 0, upgrade, status),
            Observer = observer,
            Provenance = new Provenance(input, line),
        });
    }

    /// <summary>
    /// The port of the chosen server column; else the URL's (cs-uri-port, an explicit port, the
    /// scheme's, 443 for CONNECT); else the Host header's; else the scheme's (cs-uri-scheme).
    /// </summary>
    private bool TryRemotePort(W3CColumns c, int targetPort, int? headerPort, out int port, out string problem)
    {
        var cells = _cells;
        problem = string.Empty;
        port = -1;
        foreach (var column in (ReadOnlySpan<int>)[c.ServerPort, c.UriPort])
        {
            var text = cells[column];
            if (ProxyText.IsAbsent(text))
                continue;
            if (!ProxyText.TryPort(text, out port))
            {
                problem = $"port '{ProxyText.Clip(text)}'";
                return false;
            }
            return true;
        }
        port = targetPort >= 0 ? targetPort : headerPort ?? HttpTarget.DefaultPort(cells[c.UriScheme]);
        return true;
    }

    /// <summary>cs-uri as logged; else scheme://host + stem + ?query from the pieces the log has.</summary>
    private string? Url(W3CColumns c, ReadOnlySpan<char> uri, ReadOnlySpan<char> stem, ReadOnlySpan<char> host)
    {
        if (!ProxyText.IsAbsent(uri))
            return pool.Intern(uri);
        if (ProxyText.IsAbsent(stem))
            return null;
        var scheme = _cells[c.UriScheme];
        var query = _cells[c.UriQuery];
        var hasHost = !ProxyText.IsAbsent(host);
        var hasScheme = hasHost && !ProxyText.IsAbsent(scheme);
        var hasQuery = !ProxyText.IsAbsent(query);
        // IIS logs the query without its '?', Blue Coat with it.
        var addMark = hasQuery && query[0] != '?';
        var length = (hasScheme ? scheme.Length + 3 : 0) + (hasHost ? host.Length : 0) + stem.Length
            + (hasQuery ? query.Length : 0) + (addMark ? 1 : 0);
        if (_url.Length < length)
            _url = new char[Math.Max(length, _url.Length * 2)];
        var at = 0;
        void Append(ReadOnlySpan<char> part, char[] buffer)
        {
            part.CopyTo(buffer.AsSpan(at));
            at += part.Length;
        }
        if (hasScheme)
        {
            Append(scheme, _url);
            Append("://", _url);
        }
        if (hasHost)
            Append(host, _url);
        Append(stem, _url);
        if (addMark)
            Append("?", _url);
        if (hasQuery)
            Append(query, _url);
        return pool.Intern(_url.AsSpan(0, at));
    }

    private string? UserAgent(int column)
    {
        var raw = _cells[column];
        if (ProxyText.IsAbsent(raw))
            return null;
        if (_cells.IsQuoted(column))
            return raw.Contains("\"\"", StringComparison.Ordinal) ? pool.Intern(raw.ToString().Replace("\"\"", "\"", StringComparison.Ordinal)) : pool.Intern(raw);
        // IIS cannot write a space inside a space-separated value, so it writes '+'; a '+' the
        // agent really sent is then indistinguishable and becomes a space too. Tab-separated and
        // quoted values hold their spaces as they are.
        if (_cells.TabSeparated || !raw.Contains('+'))
            return pool.Intern(raw);
        Span<char> decoded = raw.Length <= 512 ? stackalloc char[raw.Length] : new char[raw.Length];
        raw.Replace(decoded, '+', ' ');
        return pool.Intern(decoded);
    }

    /// <summary>True on Upgrade: websocket or a 101; false when the log has an Upgrade field that says otherwise.</summary>
    private static bool? WebSocketUpgrade(bool hasUpgradeColumn, ReadOnlySpan<char> upgrade, int? status)
    {
        // An h2c upgrade also answers 101: when the Upgrade header is logged, it decides.
        if (!ProxyText.IsAbsent(upgrade))
            return upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase);
        if (status == 101)
            return true;
        return hasUpgradeColumn ? false : null;
    }

    private static bool TryTimestamp(ReadOnlySpan<char> date, ReadOnlySpan<char> time, out long ticks)
    {
        ticks = 0;
        if (ProxyText.IsAbsent(date) || ProxyText.IsAbsent(time) || date.Length + 1 + time.Length > MaxTimestampLength)
            return false;
        Span<char> text = stackalloc char[MaxTimestampLength];
        date.CopyTo(text);
        text[date.Length] = ' ';
        time.CopyTo(text[(date.Length + 1)..]);
        text = text[..(date.Length + 1 + time.Length)];
        // W3C logs are UTC by definition; a value with its own zone would not be W3C.
        return IsoTimestamp.TryParseUtcTicks(text, out ticks);
    }
}
