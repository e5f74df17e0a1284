using System.Globalization;
using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Proxy;

/// <summary>The access.log layouts Squid ships as built-in logformats.</summary>
internal enum SquidLayout
{
    /// <summary><c>logformat squid %ts.%03tu %6tr %>a %Ss/%03>Hs %&lt;st %rm %ru %[un %Sh/%&lt;a %mt</c>, the default.</summary>
    Native,

    /// <summary><c>logformat common %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %&lt;st %Ss:%Sh</c>.</summary>
    Common,

    /// <summary><c>logformat combined</c>: common plus <c>"%{Referer}>h" "%{User-Agent}>h"</c> before the result code.</summary>
    Combined,
}

/// <summary>Turns one Squid access.log line, in any built-in layout, into a normalized event.</summary>
internal sealed class SquidLineMapper(StringPool pool, InputFile input)
{
    internal const string Success = "ConnectionSuccess";
    internal const string Failed = "ConnectionFailed";

    private const int NativeFieldCount = 10;

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private readonly AddressCache _addresses = new(pool);

    /// <summary>
    /// Which layout a line is written in. The fourth field tells them apart: the result code
    /// (TCP_MISS/200) in the native layout, the bracketed local time after client, ident and user
    /// in the Apache-style ones. Decided per line, since a logformat change mid-file is common.
    /// </summary>
    public static SquidLayout LayoutOf(ReadOnlySpan<char> line)
    {
        var rest = line;
        ProxyText.NextToken(ref rest);
        ProxyText.NextToken(ref rest);
        ProxyText.NextToken(ref rest);
        if (!ProxyText.NextToken(ref rest).StartsWith('['))
            return SquidLayout.Native;
        // The request line is quoted in both; only combined quotes a Referer and a User-Agent too.
        return line.Count('"') > 2 ? SquidLayout.Combined : SquidLayout.Common;
    }

    /// <summary>True when the line has the shape of a Squid access.log line (for recognition: no value is checked beyond its shape).</summary>
    public static bool LooksLikeSquid(ReadOnlySpan<char> line)
    {
        var rest = line;
        var first = ProxyText.NextToken(ref rest);
        var second = ProxyText.NextToken(ref rest);
        ProxyText.NextToken(ref rest);
        var fourth = ProxyText.NextToken(ref rest);
        if (!fourth.StartsWith('['))
        {
            return ProxyText.TryEpochSeconds(first, out _) && first.Contains('.')
                && !second.IsEmpty && second.IndexOfAnyExceptInRange('0', '9') < 0
                && TrySplitCode(fourth, '/', out var tag, out var status) && IsResultTag(tag) && status.Length == 3;
        }
        var trimmed = line.TrimEnd(" \t");
        var last = trimmed[(trimmed.LastIndexOfAny(' ', '\t') + 1)..];
        // Apache's own combined log has the same shape up to here: the Squid result code at the
        // end is what makes it a proxy log, and the tag must be one Squid writes.
        return TrySplitCode(last, ':', out var resultTag, out var hierarchy) && IsResultTag(resultTag) && IsResultTag(hierarchy)
            && (resultTag.StartsWith("TCP_") || resultTag.StartsWith("UDP_") || resultTag.StartsWith("NONE") || resultTag.StartsWith("TAG_NONE"));
    }

    public static TelemetryFields Provides(SquidLayout layout)
    {
        const TelemetryFields request = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.LocalIP
            | TelemetryFields.ActionType | TelemetryFields.RemotePort | TelemetryFields.RemoteUrl | TelemetryFields.DestinationHost
            | TelemetryFields.HttpMethod | TelemetryFields.StatusCode | TelemetryFields.ReceivedBytes | TelemetryFields.WebSocketUpgrade;
        return layout switch
        {
            // Only the native layout names the server (%<a) and the time taken (%tr).
            SquidLayout.Native => request | TelemetryFields.RemoteIP | TelemetryFields.RemoteIPType | TelemetryFields.Duration,
            SquidLayout.Combined => request | TelemetryFields.UserAgent,
            _ => request,
        };
    }

    /// <summary>
    /// Defender's words for Squid's result codes (%Ss), so the seed rule's ActionType filter means
    /// the same on a proxy log as on an endpoint.
    /// </summary>
    internal static string ActionTypeOf(ReadOnlySpan<char> tag, int status, ReadOnlySpan<char> hierarchy)
    {
        // TCP_DENIED, TCP_DENIED_REPLY, UDP_DENIED: refused by Squid's access rules; the request
        // never left the proxy, or its reply was withheld.
        if (tag.Contains("DENIED", StringComparison.Ordinal))
            return Failed;
        // NONE (Squid 2 and 3), TAG_NONE (3.5, 4), NONE_NONE (5 on): the transaction ended before
        // Squid could classify it: an unparsable request, a TLS error, a client gone before its headers.
        if (tag is "NONE" or "TAG_NONE" || tag.StartsWith("NONE_"))
            return Failed;
        // Status 000: no reply reached the client at all (TCP_MISS_ABORTED/000: it gave up first).
        if (status == 0)
            return Failed;
        // A 5xx with no server contacted is Squid's own error page (ERR_CONNECT_FAIL, ERR_DNS_FAIL,
        // a timeout): the destination was never reached.
        if (status >= 500 && hierarchy is "HIER_NONE" or "NONE")
            return Failed;
        // Everything else reached the destination or was answered from cache on its behalf: hits,
        // misses, refreshes, tunnels, a 404 from the server, _ABORTED after the reply began.
        return Success;
    }

    public RowOutcome Map(string text, long line) =>
        LayoutOf(text) == SquidLayout.Native ? MapNative(text, line) : MapApacheStyle(text, line);

    private RowOutcome MapNative(ReadOnlySpan<char> text, long line)
    {
        var rest = text;
        var time = ProxyText.NextToken(ref rest);
        var elapsed = ProxyText.NextToken(ref rest);
        var client = ProxyText.NextToken(ref rest);
        var result = ProxyText.NextToken(ref rest);
        var size = ProxyText.NextToken(ref rest);
        var method = ProxyText.NextToken(ref rest);
        var url = ProxyText.NextToken(ref rest);
        ProxyText.NextToken(ref rest); // %[un: the user, which NetworkEvent has no field for
        var hierarchy = ProxyText.NextToken(ref rest);
        // Fields after the tenth are tolerated: %mt is a Content-Type that may hold a space, and
        // log_mime_hdrs appends the request and reply headers.
        if (ProxyText.NextToken(ref rest).IsEmpty)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"{ProxyText.CountTokens(text)} fields, Squid's native format has {NativeFieldCount}");

        if (!ProxyText.TryEpochSeconds(time, out var ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"time '{ProxyText.Clip(time)}'");
        if (!ProxyText.TryMilliseconds(elapsed, out var duration))
            return RowOutcome.Rejected(line, ProxyReasons.BadDuration, $"elapsed '{ProxyText.Clip(elapsed)}'");
        if (!TrySplitCode(result, '/', out var tag, out var statusText) || !IsResultTag(tag))
            return RowOutcome.Rejected(line, ProxyReasons.BadResultCode, $"'{ProxyText.Clip(result)}'");
        if (!TryStatus(statusText, out var status))
            return RowOutcome.Rejected(line, ProxyReasons.BadStatus, $"'{ProxyText.Clip(result)}'");
        if (!ProxyText.TryCount(size, out var received))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, $"size '{ProxyText.Clip(size)}'");

        var slash = hierarchy.IndexOf('/');
        var hierarchyCode = slash < 0 ? hierarchy : hierarchy[..slash];
        var peer = slash < 0 ? default : hierarchy[(slash + 1)..];
        return Build(line, ticks, duration, client, tag, status, received, method, url, hierarchyCode, peer, userAgent: null);
    }

    private RowOutcome MapApacheStyle(ReadOnlySpan<char> text, long line)
    {
        var rest = text;
        var client = ProxyText.NextToken(ref rest);
        ProxyText.NextToken(ref rest); // %[ui ident
        ProxyText.NextToken(ref rest); // %[un user
        rest = rest.TrimStart(" \t");
        var close = rest.IndexOf(']');
        if (close < 0 || !TryParseLocalTime(rest[1..close], out var ticks))
            return RowOutcome.Rejected(line, RowReasons.BadTimestamp, $"time '{ProxyText.Clip(close < 0 ? rest : rest[1..close])}'");
        rest = rest[(close + 1)..].TrimStart(" \t");

        if (!TryQuoted(ref rest, out var request))
            return RowOutcome.Rejected(line, ProxyReasons.BadRequestLine, $"'{ProxyText.Clip(rest)}'");
        var requestRest = request;
        var method = ProxyText.NextToken(ref requestRest);
        var url = ProxyText.NextToken(ref requestRest);
        ProxyText.NextToken(ref requestRest); // HTTP/%rv
        if (url.IsEmpty || !ProxyText.NextToken(ref requestRest).IsEmpty)
            return RowOutcome.Rejected(line, ProxyReasons.BadRequestLine, $"'{ProxyText.Clip(request)}'");

        var statusText = ProxyText.NextToken(ref rest);
        var size = ProxyText.NextToken(ref rest);
        if (!TryStatus(statusText, out var status))
            return RowOutcome.Rejected(line, ProxyReasons.BadStatus, $"'{ProxyText.Clip(statusText)}'");
        if (!ProxyText.TryCount(size, out var received))
            return RowOutcome.Rejected(line, RowReasons.BadByteCount, $"size '{ProxyText.Clip(size)}'");

        string? userAgent = null;
        rest = rest.TrimStart(" \t");
        if (rest.StartsWith('"'))
        {
            if (!TryQuoted(ref rest, out _)) // the Referer, which NetworkEvent has no field for
                return RowOutcome.Rejected(line, ProxyReasons.BadQuoting, $"Referer '{ProxyText.Clip(rest)}'");
            rest = rest.TrimStart(" \t");
            if (rest.StartsWith('"'))
            {
                // A user agent is attacker-chosen and some proxies do not escape its quotes: the
                // last quote on the line closes it, since only the result code follows.
                var last = rest.LastIndexOf('"');
                if (last == 0)
                    return RowOutcome.Rejected(line, ProxyReasons.BadQuoting, $"User-Agent '{ProxyText.Clip(rest)}'");
                var raw = rest[1..last];
                if (!ProxyText.IsAbsent(raw))
                    userAgent = raw.Contains('\\') ? pool.Intern(Unescape(raw)) : pool.Intern(raw);
                rest = rest[(last + 1)..];
            }
        }

        var suffix = ProxyText.NextToken(ref rest);
        if (suffix.IsEmpty)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, "no Squid result code (TCP_MISS:HIER_DIRECT) at the end");
        if (!ProxyText.NextToken(ref rest).IsEmpty)
            return RowOutcome.Rejected(line, RowReasons.WrongColumnCount, $"fields after the Squid result code '{ProxyText.Clip(suffix)}'");
        if (!TrySplitCode(suffix, ':', out var tag, out var hierarchyCode) || !IsResultTag(tag))
            return RowOutcome.Rejected(line, ProxyReasons.BadResultCode, $"'{ProxyText.Clip(suffix)}'");

        return Build(line, ticks, duration: null, client, tag, status, received, method, url, hierarchyCode, peer: default, userAgent);
    }

    private RowOutcome Build(long line, long ticks, long? duration, ReadOnlySpan<char> client, ReadOnlySpan<char> tag, int status,
        long? received, ReadOnlySpan<char> method, ReadOnlySpan<char> url, ReadOnlySpan<char> hierarchyCode, ReadOnlySpan<char> peer,
        string? userAgent)
    {
        if (ProxyText.IsAbsent(client))
            return RowOutcome.Rejected(line, ProxyReasons.NoClient, "client '-'");
        if (tag.StartsWith("UDP_"))
            return RowOutcome.Skipped(line, ProxyReasons.IcpQuery, $"'{ProxyText.Clip(tag)}' from {ProxyText.Clip(client)}");
        if (!HttpTarget.TryParse(method, url, out var host, out var port))
            return RowOutcome.Rejected(line, RowReasons.BadPort, $"URL '{ProxyText.Clip(url)}'");

        var device = _addresses.Lookup(client);
        // Squid 3 on logs the server's address after the hierarchy code; Squid 2 logged its name,
        // and HIER_NONE/- means no server was contacted (a hit, a denial): no address is invented.
        var server = ProxyText.IsAbsent(peer) ? default : _addresses.Lookup(peer);
        return RowOutcome.Read(new NetworkEvent
        {
            TimestampTicks = ticks,
            DeviceName = device.Text,
            LocalIP = device.IsAddress ? device.Text : null,
            ActionType = ActionTypeOf(tag, status, hierarchyCode),
            RemoteIP = server.IsAddress ? server.Text : string.Empty,
            RemotePort = port,
            RemoteIPType = server.IsAddress ? server.RemoteIPType : string.Empty,
            RemoteUrl = ProxyText.IsAbsent(url) ? null : pool.Intern(url),
            InitiatingProcessFileName = string.Empty,
            ReceivedBytes = received,
            DurationTicks = duration,
            DestinationHost = host.IsEmpty ? null : pool.Intern(host),
            HttpMethod = ProxyText.IsAbsent(method) ? null : pool.Intern(method),
            UserAgent = userAgent,
            // 000 is Squid's "no reply": there is no status, not a status 0.
            StatusCode = status == 0 ? null : status,
            // Squid logs no request headers: a 101 (a plain ws:// request through the proxy) is the
            // only sign of an upgrade; a wss:// one is a CONNECT tunnel whose upgrade it cannot see.
            WebSocketUpgrade = status == 101 ? true : null,
            Provenance = new Provenance(input, line),
        });
    }

    /// <summary>Splits CODE/status or TAG:HIERARCHY at the first separator.</summary>
    private static bool TrySplitCode(ReadOnlySpan<char> text, char separator, out ReadOnlySpan<char> code, out ReadOnlySpan<char> rest)
    {
        var at = text.IndexOf(separator);
        code = at < 0 ? text : text[..at];
        rest = at < 0 ? default : text[(at + 1)..];
        return at > 0;
    }

    private static bool IsResultTag(ReadOnlySpan<char> tag) =>
        !tag.IsEmpty && tag.IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") < 0;

    private static bool TryStatus(ReadOnlySpan<char> text, out int status) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out status) && text.Length <= 3;

    /// <summary>A double-quoted value with backslash escapes, as Squid and Apache write them; the raw inside is returned.</summary>
    private static bool TryQuoted(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> inner)
    {
        inner = default;
        if (!rest.StartsWith('"'))
            return false;
        for (var i = 1; i < rest.Length; i++)
        {
            if (rest[i] == '\\')
            {
                i++;
                continue;
            }
            if (rest[i] == '"')
            {
                inner = rest[1..i];
                rest = rest[(i + 1)..];
                return true;
            }
        }
        return false;
    }

    private static string Unescape(ReadOnlySpan<char> raw)
    {
        var builder = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length && raw[i + 1] is '"' or '\\')
                i++;
            builder.Append(raw[i]);
        }
        return builder.ToString();
    }

    /// <summary>
    /// Squid's %tl, "26/Mar/2024:09:39:50 +0000" (strftime %d/%b/%Y:%H:%M:%S %z), to UTC ticks.
    /// Hand-read: the month is English whatever the culture, and the offset has no colon.
    /// </summary>
    internal static bool TryParseLocalTime(ReadOnlySpan<char> s, out long utcTicks)
    {
        utcTicks = 0;
        if (s.Length != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' || s[20] != ' '
            || s[21] is not ('+' or '-'))
            return false;
        var month = 0;
        for (var i = 0; i < Months.Length && month == 0; i++)
        {
            if (s.Slice(3, 3).SequenceEqual(Months[i]))
                month = i + 1;
        }
        if (month == 0
            || !TryDigits(s.Slice(0, 2), out var day) || !TryDigits(s.Slice(7, 4), out var year)
            || !TryDigits(s.Slice(12, 2), out var hour) || !TryDigits(s.Slice(15, 2), out var minute) || !TryDigits(s.Slice(18, 2), out var second)
            || !TryDigits(s.Slice(22, 2), out var offsetHours) || !TryDigits(s.Slice(24, 2), out var offsetMinutes))
            return false;
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59
            || offsetHours > 14 || offsetMinutes > 59)
            return false;
        var offset = (offsetHours * TimeSpan.TicksPerHour + offsetMinutes * TimeSpan.TicksPerMinute) * (s[21] == '-' ? -1 : 1);
        var utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks - offset;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
            return false;
        utcTicks = utc;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
