using System.Net;
using System.Net.Sockets;

namespace Cadence.Scoring.Tuning;

/// <summary>How tuning entries compare with what telemetry reports: process file names and host names.</summary>
internal static class NameMatching
{
    /// <summary>
    /// The file name of a process as any source writes it: "chrome.exe", "C:\Program Files\...\chrome.exe",
    /// "/usr/bin/curl", quoted or not. Both separators are split on whatever the host OS, because
    /// Windows telemetry is read on Linux too. Empty when there is no name.
    /// </summary>
    public static ReadOnlySpan<char> FileName(string? process)
    {
        if (process is null)
            return default;
        var name = process.AsSpan().Trim().Trim('"').Trim();
        var slash = name.LastIndexOfAny('\\', '/');
        return slash >= 0 ? name[(slash + 1)..] : name;
    }

    /// <summary>
    /// The host name of a destination, compared case-insensitively with a trailing dot ignored
    /// ("mail.google.com." is the same host). A URL is reduced to its host, and a host:port to the host.
    /// </summary>
    public static ReadOnlySpan<char> Host(string? destination)
    {
        if (destination is null)
            return default;
        var host = destination.AsSpan().Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            host = host[(scheme + 3)..];
        var end = host.IndexOfAny('/', '?', '#');
        if (end >= 0)
            host = host[..end];
        var at = host.LastIndexOf('@');
        if (at >= 0)
            host = host[(at + 1)..];
        // One colon is host:port; more is an IPv6 address, left whole.
        var colon = host.IndexOf(':');
        if (colon >= 0 && host.LastIndexOf(':') == colon)
            host = host[..colon];
        return host.TrimEnd('.');
    }

    /// <summary>
    /// True when <paramref name="host"/> is <paramref name="suffix"/> or a name under it, on a dot
    /// boundary: google.com covers mail.google.com but not notgoogle.com.
    /// </summary>
    public static bool IsUnder(ReadOnlySpan<char> host, string suffix)
    {
        if (!host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            return false;
        return host.Length == suffix.Length || host[host.Length - suffix.Length - 1] == '.';
    }

    /// <summary>Why <paramref name="value"/> is not a domain suffix, or null when it is one.</summary>
    public static string? DomainProblem(string value, bool requireTwoLabels)
    {
        if (value.Length == 0 || value.AsSpan().Trim().Length == 0)
            return "expected a domain name, got empty text";
        if (value.Contains("://", StringComparison.Ordinal) || value.Contains('/', StringComparison.Ordinal))
            return $"{YamlScalar.Quote(value)} is a URL: write the host name only (example.com)";
        if (value.StartsWith("*.", StringComparison.Ordinal) || value.StartsWith('.'))
            return $"{YamlScalar.Quote(value)}: write {YamlScalar.Quote(value.TrimStart('*').TrimStart('.'))}; a domain already covers every name under it";
        var name = value.TrimEnd('.');
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
                return $"{YamlScalar.Quote(value)} is not a domain name (it contains '{c}')";
        }
        if (name.Contains("..", StringComparison.Ordinal) || name.Length == 0)
            return $"{YamlScalar.Quote(value)} is not a domain name (empty label)";
        // RFC 1035 limits: no name in DNS can be longer, so a longer one could never match.
        if (name.Length > 253 || name.Split('.').Any(label => label.Length > 63))
            return $"{YamlScalar.Quote(value)} is not a domain name (longer than 253 characters, or a label longer than 63)";
        if (requireTwoLabels && !name.Contains('.', StringComparison.Ordinal))
            return $"{YamlScalar.Quote(value)} would cover a whole top-level domain: name at least the registered domain (example.com)";
        return null;
    }

    /// <summary>Why <paramref name="value"/> is not a process file name, or null when it is one.</summary>
    public static string? ProcessProblem(string value)
    {
        if (value.AsSpan().Trim().Length == 0)
            return "expected a process file name, got empty text";
        if (value.AsSpan().IndexOfAny('\\', '/') >= 0)
            return $"{YamlScalar.Quote(value)} is a path: write the file name only (chrome.exe); a path in telemetry is matched by its file name";
        if (value.Trim().Length != value.Length)
            return $"{YamlScalar.Quote(value)} has leading or trailing spaces";
        return null;
    }

    /// <summary>An address as written in telemetry, IPv4-mapped IPv6 reduced to IPv4; null when it is not an address.</summary>
    public static IPAddress? Address(ReadOnlySpan<char> text)
    {
        text = text.Trim().Trim('[').Trim(']');
        if (!IPAddress.TryParse(text, out var address))
            return null;
        if (address.AddressFamily == AddressFamily.InterNetwork && text.Count('.') != 3)
            return null; // "1.2.3" and "10" parse (as 1.2.0.3 and 0.0.0.10), but no log writes an address that way
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
