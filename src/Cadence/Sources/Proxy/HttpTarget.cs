namespace Cadence.Sources.Proxy;

/// <summary>
/// Where a request through a proxy was going, from what the proxy logged: a CONNECT's target
/// (host:port) or an absolute URL's authority. Spans into the logged text; nothing allocated.
/// </summary>
internal static class HttpTarget
{
    /// <summary>
    /// The host (brackets of an IPv6 literal removed, port stripped) and the port: the explicit
    /// one, else the scheme's (443 for a CONNECT without one). Host empty and port -1 when the
    /// URL names neither (origin-form "/path", Squid's "error:invalid-request").
    /// </summary>
    /// <returns>False only when a port is written but is not a port.</returns>
    public static bool TryParse(ReadOnlySpan<char> method, ReadOnlySpan<char> url, out ReadOnlySpan<char> host, out int port)
    {
        host = default;
        port = -1;
        if (ProxyText.IsAbsent(url))
            return true;

        ReadOnlySpan<char> authority;
        int defaultPort;
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 && method is "CONNECT")
        {
            authority = url;
            // Tunnels are TLS far more often than not; a CONNECT without a port is malformed
            // anyway, and 443 is what the client's library would have assumed.
            defaultPort = 443;
        }
        else if (schemeEnd > 0)
        {
            defaultPort = DefaultPort(url[..schemeEnd]);
            authority = url[(schemeEnd + 3)..];
            var end = authority.IndexOfAny('/', '?', '#');
            if (end >= 0)
                authority = authority[..end];
        }
        else
        {
            return true;
        }

        if (!TrySplitAuthority(authority, out host, out var explicitPort))
            return false;
        port = explicitPort ?? defaultPort;
        return true;
    }

    /// <summary>Splits host[:port] (userinfo dropped, [IPv6] unbracketed); false when the port is not a number 0-65535.</summary>
    public static bool TrySplitAuthority(ReadOnlySpan<char> authority, out ReadOnlySpan<char> host, out int? port)
    {
        port = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
            authority = authority[(at + 1)..];

        ReadOnlySpan<char> portText = default;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                host = authority[1..];
                return true;
            }
            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.StartsWith(':'))
                portText = after[1..];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            // More than one colon without brackets is a bare IPv6 address, not host:port.
            if (colon >= 0 && authority.IndexOf(':') == colon)
            {
                host = authority[..colon];
                portText = authority[(colon + 1)..];
            }
            else
            {
                host = authority;
            }
        }

        if (portText.IsEmpty)
            return true;
        if (!ProxyText.TryPort(portText, out var p))
            return false;
        port = p;
        return true;
    }

    /// <summary>The port a URL scheme implies; -1 for schemes whose port Cadence does not guess.</summary>
    public static int DefaultPort(ReadOnlySpan<char> scheme)
    {
        if (scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("ws", StringComparison.OrdinalIgnoreCase))
            return 80;
        if (scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("wss", StringComparison.OrdinalIgnoreCase))
            return 443;
        if (scheme.Equals("ftp", StringComparison.OrdinalIgnoreCase))
            return 21;
        return -1;
    }
}
